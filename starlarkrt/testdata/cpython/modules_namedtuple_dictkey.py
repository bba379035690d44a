from collections import namedtuple

Edge = namedtuple("Edge", "src dst")
weights = {Edge("a", "b"): 3, Edge("b", "c"): 5}
print(weights[Edge("a", "b")])
total = sum(weights[e] for e in weights)
print(total)
print(Edge("a", "b") in weights, Edge("c", "a") in weights)

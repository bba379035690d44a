import copy
from collections import Counter, deque, defaultdict

c = Counter("aab")
c2 = copy.deepcopy(c)
c2["a"] += 5
print(c["a"], c2["a"])
q = deque([[1], [2]])
q2 = copy.deepcopy(q)
q2[0].append(9)
print(list(q)[0], list(q2)[0])
d = defaultdict(list)
d["x"].append(1)
d2 = copy.deepcopy(d)
d2["x"].append(2)
d2["y"].append(3)
print(d["x"], d2["x"], len(d), len(d2))

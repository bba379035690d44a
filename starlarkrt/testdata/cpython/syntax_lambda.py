# lambda defaults, lambdas in sort keys, closures
add = lambda x, y=10: x + y
print(add(1), add(1, 2))
fs = [lambda v, i=i: v * i for i in range(4)]
print([f(10) for f in fs])
pairs = [(3, "c"), (1, "a"), (2, "b")]
print([p[0] for p in sorted(pairs, key=lambda p: -p[0])])
scale = lambda *xs, k=2: [x * k for x in xs]
print(scale(1, 2, 3), scale(1, k=5))

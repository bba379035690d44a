from collections import deque

d = deque(range(1, 8))
d.rotate(3)
print(list(d))
d.rotate(-5)
print(list(d))
d.extendleft([10, 20])
d.extend([30])
print(list(d), len(d), d[0], d[-1])
print(d.popleft(), d.pop(), d.count(3), d.index(4))

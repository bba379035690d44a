import heapq
from collections import defaultdict, deque

deps = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]
indeg = defaultdict(int)
out = defaultdict(list)
nodes = set()
for x, y in deps:
    out[x].append(y)
    indeg[y] += 1
    nodes.add(x)
    nodes.add(y)
ready = [n for n in nodes if indeg[n] == 0]
heapq.heapify(ready)
order = []
while ready:
    n = heapq.heappop(ready)
    order.append(n)
    for m in out[n]:
        indeg[m] -= 1
        if indeg[m] == 0:
            heapq.heappush(ready, m)
print("".join(order))

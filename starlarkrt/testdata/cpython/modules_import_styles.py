import collections as col
import statistics as st
from heapq import heappush as push, heappop as pop
from string import ascii_lowercase as letters

h = []
for ch in "dbca":
    push(h, ch)
print("".join(pop(h) for _ in range(4)))
print(col.Counter(letters[:5] + "a")["a"])
print(st.median([3, 1, 2]))

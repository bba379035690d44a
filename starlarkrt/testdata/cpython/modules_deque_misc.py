from collections import deque

d = deque("abcde")
d.remove("c")
d.insert(1, "z")
d.reverse()
print("".join(d))
print("z" in d, "c" in d, bool(deque()))
e = d.copy()
e.clear()
print(len(d), len(e))
d[0] = "E"
print("".join(d))

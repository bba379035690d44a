from collections import deque

def moving_average(xs, n):
    window = deque(maxlen=n)
    out = []
    for x in xs:
        window.append(x)
        if len(window) == n:
            out.append(sum(window) / n)
    return out

print(moving_average([1, 2, 3, 4, 5, 6], 3))
d = deque(maxlen=2)
for i in range(5):
    d.appendleft(i)
print(list(d), d.maxlen)

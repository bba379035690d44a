# chained assignment and star-unpacking
a = b = 0
a += 1
print(a, b)
x = y = []
x.append(1)
print(x, y, x is y)
i = j = k = 5
print(i + j + k)
first, *rest = [1, 2, 3, 4]
print(first, rest)
*init, last = [1, 2, 3]
print(init, last)
head, *mid, tail = "abcde"
print(head, "".join(mid), tail, len(mid))
p, *q = (7,)
print(p, q)
def split(xs):
    h, *t = xs
    return h, len(t)
print(split([9, 8, 7]))
m = n = {"k": 1}
m["j"] = 2
print(len(n))
lo = hi = 3
lo -= 1
print(lo, hi)

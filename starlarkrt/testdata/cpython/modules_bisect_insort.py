import bisect

xs = []
for v in [10, 3, 7, 3, 15, 1]:
    bisect.insort(xs, v)
print(xs)
bisect.insort_left(xs, 7)
bisect.insort_right(xs, 3)
print(xs)

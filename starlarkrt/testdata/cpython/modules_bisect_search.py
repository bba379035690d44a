from bisect import bisect_left, bisect_right

a = [1, 2, 4, 4, 4, 7, 9]
print(bisect_left(a, 4), bisect_right(a, 4))
print(bisect_left(a, 0), bisect_left(a, 10), bisect_right(a, 9))
print(bisect_left(a, 4, 3), bisect_right(a, 4, 0, 4))
def count_in_range(xs, lo, hi):
    return bisect_right(xs, hi) - bisect_left(xs, lo)
print(count_in_range(a, 2, 7))

# chained comparisons: each middle operand is evaluated once
calls = []
def f(v):
    calls.append(v)
    return v

n = 10
for x in [-1, 0, 5, 9, 10, 11]:
    print(x, 0 <= x < n, 0 < x <= n, x > 0 > -5)
print(1 < 2 < 3 < 4, 1 < 3 < 2 < 4, 4 > 3 >= 3 > 2)
print(f(1) < f(2) < f(3), calls)
calls = []
print(f(3) < f(2) < f(1), calls)
print(1 == 1 == 1, 1 == 1 != 2, "a" < "b" < "c")
print(2 in [1, 2] in [[1, 2]], 3 not in [1] not in [[3]])
grid = [[1, 2], [3, 4]]
i, j = 1, 0
print(0 <= i < len(grid) and 0 <= j < len(grid[0]))
print([v for v in range(10) if 2 < v < 6])
print(not 0 < 5 < 3, 0 < 5 < 3 or 1 <= 1 <= 1)
lo, hi = 3, 7
print(lo <= (lo + hi) // 2 <= hi, "mid" if lo < 5 < hi else "out")

# del of list items, slices, dict keys and names
xs = [0, 1, 2, 3, 4, 5, 6]
del xs[0]
print(xs)
del xs[-1]
print(xs)
del xs[1:3]
print(xs)
ys = list(range(10))
del ys[::2]
print(ys)
d = {"a": 1, "b": 2, "c": 3}
del d["b"]
print(",".join(sorted(d.keys())))
grid = [[1, 2, 3], [4, 5, 6]]
del grid[1][0]
print(grid)
tmp = 5
del tmp
zs = [1, 2, 3]
del zs[0], zs[0]
print(zs)

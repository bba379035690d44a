def transpose(m):
    return [list(col) for col in zip(*m)]

m = [[1, 2, 3], [4, 5, 6]]
print(transpose(m))
print([sum(row) for row in m], [sum(col) for col in zip(*m)])
print(sorted(m, key=lambda r: -r[0]))

expr_values = []
for a, b, c, d in [(2, 3, 4, 5), (-1, 9, -8, 2), (7, -7, 7, -7)]:
    v = ((a * b) - (c + d)) * ((a - d) + (b * c))
    expr_values.append(v)
print(expr_values)
print(sum(expr_values), max(expr_values) - min(expr_values))

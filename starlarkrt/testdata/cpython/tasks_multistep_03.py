ops = [("+", 5), ("*", 3), ("-", 4), ("//", 2), ("%", 4), ("**", 3)]
x = 1
trace = [str(x)]
for op, n in ops:
    if op == "+":
        x += n
    elif op == "-":
        x -= n
    elif op == "*":
        x *= n
    elif op == "//":
        x //= n
    elif op == "%":
        x %= n
    else:
        x = x ** n
    trace.append(str(x))
print(" -> ".join(trace))

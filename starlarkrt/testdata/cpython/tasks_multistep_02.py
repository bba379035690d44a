def safe_div(a, b):
    return a // b if b else None

pairs = [(10, 3), (-10, 3), (7, 0), (0, 5)]
print([safe_div(a, b) for a, b in pairs])
print(" ".join(["undefined" if r == None else str(r) for r in [safe_div(a, b) for a, b in pairs]]))

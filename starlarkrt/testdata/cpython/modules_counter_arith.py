from collections import Counter

a = Counter(a=3, b=1, c=2)
b = Counter(a=1, b=2, d=4)
for name, c in [("add", a + b), ("sub", a - b), ("and", a & b), ("or", a | b)]:
    print(name, " ".join(f"{k}:{v}" for k, v in sorted(c.items())))
print(" ".join(f"{k}:{v}" for k, v in sorted((b - a).items())))

name = "Ada"
n = 3
pi = 3.14159265
print(f"{name} has {n} items")
print(f"{pi:.2f} {pi:10.4f} {n:03d}")
print(f"{name:>6}")
print(f"{'nested'} {n + 1} {[1, 2][n - 3]}")
print(f"{{literal}} {n}")

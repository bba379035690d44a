a = "héllo"
b = "wörld"
print("".join(x + y for x, y in zip(a, b)))
diff = [i for i in range(len(a)) if a[i] != b[i]]
print(diff)
print(sum(1 for x, y in zip(a, b) if x == y))

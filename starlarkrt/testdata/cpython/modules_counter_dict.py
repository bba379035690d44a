from collections import Counter

c = Counter({"x": 4, "y": 1})
d = dict(c)
print(" ".join(f"{k}={v}" for k, v in sorted(d.items())))
c["z"] = 0
print(len(c), "z" in c)
print(c.get("w"), c.get("x"))
print(c.pop("x"), len(c))
print("".join(sorted(c.keys())), sorted(c.values()))

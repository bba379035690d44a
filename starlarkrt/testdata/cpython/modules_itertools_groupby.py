from itertools import groupby

s = "aaabccddddde"
encoded = "".join(f"{k}{len(list(g))}" for k, g in groupby(s))
print(encoded)
data = [("a", 1), ("a", 2), ("b", 3), ("a", 4)]
for key, grp in groupby(data, key=lambda t: t[0]):
    print(key, [v for _, v in grp])

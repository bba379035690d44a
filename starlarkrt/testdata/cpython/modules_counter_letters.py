from collections import Counter

c = Counter("mississippi")
print(c.most_common(1)[0][0])
print("".join(sorted(c.elements())))
print(c["s"], c["z"])
for ch in sorted(c):
    print(ch, c[ch])

# set literals and set comprehensions
s = {3, 1, 2}
print(sorted(s), len(s), 2 in s, 5 in s)
t = {x % 3 for x in range(10)}
print(sorted(t))
u = {c for c in "hello"}
print("".join(sorted(u)))
print(sorted(s | {4}), sorted(s & {1, 9}), sorted(s - {1}))
seen = set()
dups = []
for w in ["a", "b", "a", "c", "b"]:
    if w in seen:
        dups.append(w)
    seen.add(w)
print(",".join(dups), len(seen))
empty = {}
print(type(empty) == type({}), len({1, 1, 1}))
vowels = {"a", "e", "i", "o", "u"}
print(sum(1 for ch in "education" if ch in vowels))
pairs = {(i, j) for i in range(3) for j in range(3) if i < j}
print(sorted(pairs))

from operator import itemgetter

rows = [("ann", 3, 9.5), ("bob", 1, 7.0), ("cat", 2, 8.25)]
for r in sorted(rows, key=itemgetter(1)):
    print(r[0])
for name, score in map(itemgetter(0, 2), rows):
    print(name, score)
print(max(rows, key=itemgetter(2))[0])
getter = itemgetter("k")
print(getter({"k": 42}))

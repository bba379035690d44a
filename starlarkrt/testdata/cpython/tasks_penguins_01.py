penguins = [
    ("Louis", 7, 50, 11),
    ("Bernard", 5, 80, 13),
    ("Vincent", 9, 60, 11),
    ("Gwen", 8, 70, 15),
]
print(len([p for p in penguins if p[1] > 5]))
print(max(penguins, key=lambda p: p[3])[0])
print(sorted([p[0] for p in penguins])[1])
print(sum(p[2] for p in penguins) / len(penguins))

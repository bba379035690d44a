import itertools

golfers = ["Ana", "Eli", "Mel", "Rob"]
constraints = [
    lambda r: r["Ana"] < r["Eli"],
    lambda r: r["Mel"] == 4,
    lambda r: r["Rob"] != 1,
]
for perm in itertools.permutations(range(1, 5)):
    ranks = dict(zip(golfers, perm))
    if all(c(ranks) for c in constraints):
        print(" ".join(f"{g}{ranks[g]}" for g in golfers))

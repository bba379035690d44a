from itertools import permutations

birds = ["robin", "owl", "crow"]
for order in permutations(birds):
    pos = {b: i for i, b in enumerate(order)}
    if pos["owl"] < pos["robin"] and pos["crow"] == 2:
        print(" ".join(order))

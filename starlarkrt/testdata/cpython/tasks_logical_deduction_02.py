from itertools import permutations

books = ["red", "green", "blue", "white", "black"]
solutions = []
for p in permutations(books):
    i = {b: k for k, b in enumerate(p)}
    if (i["green"] == i["white"] - 1 and i["red"] == 0 and i["blue"] > i["black"]
            and i["black"] > i["white"]):
        solutions.append(p)
print(len(solutions))
print(", ".join(solutions[0]))

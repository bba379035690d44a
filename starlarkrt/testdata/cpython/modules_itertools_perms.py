from itertools import permutations, combinations

digits = [1, 2, 3]
print(len(list(permutations(digits))))
print(["".join(map(str, p)) for p in permutations(digits, 2)] == ["12", "13", "21", "23", "31", "32"])
print(sum(1 for c in combinations(range(6), 3)))
print(" ".join("".join(c) for c in combinations("abcd", 2)))

words = "zèbre apple Éclair banana éclair ångström".split()
print(" ".join(sorted(words)))
print(" ".join(sorted(words, key=len)))
print(max(words), min(words))

words = ["banana", "Apple", "cherry", "apple", "Banana", "_x", "10", "9"]
print(" ".join(sorted(words)))
print(" ".join(sorted(words, key=lambda s: s.lower())))
print(min(words), max(words))

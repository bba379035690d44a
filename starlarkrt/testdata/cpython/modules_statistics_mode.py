import statistics

print(statistics.mode(["red", "blue", "blue", "red", "green"]))
print(statistics.mode([1, 1, 2, 2]))
print("".join(statistics.multimode("aabbbbccddddeeffffgg")))
print(statistics.multimode([1, 2, 3]))
print(statistics.multimode([]))
print(statistics.median_low([1, 3, 5, 7]), statistics.median_high([1, 3, 5, 7]))

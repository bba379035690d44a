from collections import defaultdict

words = ["apple", "avocado", "banana", "blueberry", "cherry", "apricot"]
groups = defaultdict(list)
for w in words:
    groups[w[0]].append(w)
for letter in sorted(groups):
    print(letter, ", ".join(groups[letter]))
print(len(groups), "z" in groups)

from collections import defaultdict

pairs = [("a", 1), ("b", 2), ("a", 1), ("a", 3)]
index = defaultdict(set)
for k, v in pairs:
    index[k].add(v)
for k in sorted(index):
    print(k, sorted(index[k]))
print(index.get("c"), "c" in index)

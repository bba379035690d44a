from collections import Counter

items = "apple banana apple cabbage carrot banana apple lettuce".split()
fruit = set(["apple", "banana", "plum"])
veg = set(["cabbage", "carrot", "lettuce"])
c = Counter(items)
print(sum(c[f] for f in fruit), sum(c[v] for v in veg))
print(len(set(items) & fruit), len(set(items) - fruit))

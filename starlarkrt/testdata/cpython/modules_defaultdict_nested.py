from collections import defaultdict

sales = [("north", "q1", 10), ("north", "q2", 5), ("south", "q1", 7), ("north", "q1", 3)]
table = defaultdict(lambda: defaultdict(int))
for region, quarter, amount in sales:
    table[region][quarter] += amount
for region in sorted(table):
    print(region, ", ".join(f"{q}={n}" for q, n in sorted(table[region].items())))

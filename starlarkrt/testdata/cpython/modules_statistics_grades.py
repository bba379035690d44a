import statistics

grades = {"ann": [90, 85, 77], "bob": [60, 75, 80, 95], "cat": [88]}
for name in sorted(grades):
    g = grades[name]
    spread = statistics.pstdev(g)
    print(name, round(statistics.mean(g), 2), statistics.median(g), round(spread, 3))

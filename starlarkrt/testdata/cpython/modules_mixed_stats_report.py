import statistics
from collections import defaultdict

rows = [("math", 90), ("art", 70), ("math", 80), ("art", 75), ("math", 100), ("bio", 88)]
by = defaultdict(list)
for subject, score in rows:
    by[subject].append(score)
for subject in sorted(by):
    s = by[subject]
    print(f"{subject}: n={len(s)} mean={statistics.mean(s)} median={statistics.median(s)}")
print(statistics.mode([s for _, s in rows] + [90]))

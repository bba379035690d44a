import statistics

checks = [
    (statistics.mean, []),
    (statistics.median, []),
    (statistics.variance, [1]),
    (statistics.stdev, [5]),
    (statistics.pstdev, []),
]
ok = 0
for fn, data in checks:
    if len(data) >= 2 or (fn in (statistics.mean, statistics.median, statistics.pstdev) and len(data) >= 1):
        ok += 1
print(ok, statistics.pstdev([5]), statistics.pvariance([5]))

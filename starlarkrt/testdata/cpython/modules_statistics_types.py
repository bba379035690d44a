import statistics

print(statistics.mean([1, 2, 3]))
print(statistics.mean([1, 2, 3, 4]))
print(statistics.mean([1, 2.0]))
print(statistics.median([1, 3]), statistics.median([1, 2, 3]))
print(statistics.variance([1, 2, 3]), statistics.variance([1, 2, 3, 4]))
print(statistics.pvariance([3, 3, 3]))
print(statistics.stdev([3, 3, 3]))

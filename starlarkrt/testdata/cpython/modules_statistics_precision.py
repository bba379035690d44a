import statistics

xs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
print(statistics.mean(xs))
print(statistics.fmean(xs))
print(statistics.stdev(xs))
print(statistics.pvariance(xs))
big = [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3]
print(statistics.mean(big) - 1e9)
print(statistics.variance(big))
print(statistics.stdev([123456789.123, 123456789.456, 123456789.789]))
print(statistics.mean([10**20, 1, -10**20]))

import statistics

data = [1.5, 2.5, 2.5, 2.75, 3.25, 4.75]
print(statistics.mean(data))
print(statistics.fmean(data))
print(statistics.median(data), statistics.median_low(data), statistics.median_high(data))
print(statistics.stdev(data))
print(statistics.pstdev(data))
print(statistics.variance(data))
print(statistics.pvariance(data))

import itertools
import operator

print(list(itertools.accumulate([1, 2, 3, 4, 5])))
print(list(itertools.accumulate([3, 1, 4, 1, 5], max)))
print(list(itertools.accumulate([1, 2, 3, 4], operator.mul)))
print(list(itertools.islice(itertools.count(10, 5), 4)))
print(list(itertools.chain([1, 2], (3,), [4, 5])))

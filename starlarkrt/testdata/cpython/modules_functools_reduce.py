from functools import reduce

nums = [3, 5, 7, 11]
print(reduce(lambda a, b: a * b, nums))
print(reduce(lambda a, b: a + b, nums, 100))
print(reduce(max, [4, 9, 2]))
print(reduce(lambda acc, ch: acc * 10 + int(ch), "90210", 0))
print(reduce(lambda a, b: a + [b * 2], [1, 2, 3], []))

from itertools import zip_longest, chain

a = [1, 2, 3]
b = [10, 20]
print(list(zip_longest(a, b, fillvalue=0)))
print([x + y for x, y in zip_longest(a, b, fillvalue=0)])
print(list(chain.from_iterable([[1], [2, 3], []])))

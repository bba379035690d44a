import functools

calls = []

def slow_square(n):
    calls.append(n)
    return n * n

fast = functools.lru_cache(maxsize=2)(slow_square)
for n in [1, 2, 1, 3, 1, 2]:
    fast(n)
print(calls)
info = fast.cache_info()
print(info[0], info[1], info[2], info[3])

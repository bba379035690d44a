from functools import cache

def paths(r, c):
    if r == 0 or c == 0:
        return 1
    return paths(r - 1, c) + paths(r, c - 1)

paths = cache(paths)
print(paths(10, 10))
print(paths(16, 16))

import functools

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

fib = functools.lru_cache(maxsize=None)(fib)
print(fib(80))
print([fib(i) for i in range(10)])

def factorial(n):
    return 1 if n <= 1 else n * factorial(n - 1)

print(factorial(25))
print(len(str(factorial(100))))
print(factorial(20) // factorial(18))
print(sum(int(c) for c in str(2 ** 1000)))

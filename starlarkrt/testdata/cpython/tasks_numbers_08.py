def is_armstrong(n):
    s = str(n)
    return n == sum(int(d) ** len(s) for d in s)

print([n for n in range(1, 1000) if is_armstrong(n)])
print(sum(int(d) for d in str(2 ** 50)))

def gcd(a, b):
    while b:
        a, b = b, a % b
    return a

print(gcd(1071, 462), gcd(17, 5), gcd(0, 9), gcd(-12, 18))
print([n for n in range(1, 30) if gcd(n, 30) == 1])

fractions = [(1, 2), (1, 3), (1, 6)]
import math

num, den = 0, 1
for a, b in fractions:
    num = num * b + a * den
    den = den * b
    g = math.gcd(num, den)
    num, den = num // g, den // g
print(num, den)
print(f"{num}/{den}", num / den)

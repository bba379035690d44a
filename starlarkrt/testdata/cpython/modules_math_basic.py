import math

print(math.gcd(48, 180), math.lcm(4, 6), math.factorial(10))
print(math.comb(10, 3), math.perm(5, 2), math.isqrt(99))
print(math.sqrt(2), math.pi, math.e)
print(math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5))
print(math.hypot(3, 4), math.log(8, 2), math.log10(1000))
print(math.isclose(0.1 + 0.2, 0.3), math.prod([1, 2, 3, 4]))

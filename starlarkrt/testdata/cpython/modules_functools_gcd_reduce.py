import functools
import math

def lcm_all(xs):
    return functools.reduce(lambda a, b: a * b // math.gcd(a, b), xs)

print(lcm_all([4, 6, 8]))
print(lcm_all(range(1, 11)))
print(functools.reduce(math.gcd, [84, 126, 210]))

from functools import partial

def power(base, exponent):
    return base ** exponent

square = partial(power, exponent=2)
cube = partial(power, exponent=3)
print(square(7), cube(3))
int_base2 = partial(int, base=2)
print(int_base2("1011"))
add = lambda a, b, c: a + b + c
add1 = partial(add, 1)
add12 = partial(add1, 2)
print(add12(3), add12.args)
print([partial(max, 5)(x) for x in [1, 9]])

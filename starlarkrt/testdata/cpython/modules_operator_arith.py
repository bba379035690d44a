import operator
from functools import reduce

print(operator.add(2, 3), operator.sub(2, 3), operator.mul(4, 5))
print(operator.truediv(7, 2), operator.floordiv(7, 2), operator.mod(-7, 3))
print(operator.neg(5), operator.pos(-5), operator.abs(-3))
print(operator.pow(2, 8), operator.pow(2, -2))
print(reduce(operator.mul, range(1, 8)))
print(operator.eq(1, 1), operator.ne(1, 2), operator.lt(1, 2), operator.le(2, 2), operator.gt(1, 2), operator.ge(2, 3))
print(operator.not_(0), operator.truth([1]), operator.contains("abc", "b"))

import operator

matrix = [[1, 2, 3], [4, 5, 6]]
print(operator.getitem(matrix, 1)[2])
print(operator.getitem("hello", -1))
print(operator.countOf([1, 2, 1, 1], 1), operator.indexOf([5, 6, 7], 7))
print(operator.and_(12, 10), operator.or_(12, 10), operator.xor(12, 10), operator.lshift(3, 2), operator.rshift(32, 3), operator.invert(7))
print(operator.concat("ab", "cd"), operator.concat([1], [2, 3]))

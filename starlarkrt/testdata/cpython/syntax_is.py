# is / is not with None, booleans and mutable values
def find(xs, target):
    for i, x in enumerate(xs):
        if x == target:
            return i
    return None

r = find([3, 4, 5], 4)
print(r is None, r is not None, r)
r = find([3, 4, 5], 9)
print(r is None, r is not None)
flag = 1 > 0
print(flag is True, flag is False, flag is not True)
a = [1, 2]
b = a
c = [1, 2]
print(a is b, a is c, a == c, a is not c)
d = {}
e = d
print(d is e, d is {})
print(not a is c, (a is b) == True)
x = None
print("none" if x is None else "some")
vals = [None, 0, "", [], False]
print([v is None for v in vals])
print(sum(1 for v in vals if v is not None))

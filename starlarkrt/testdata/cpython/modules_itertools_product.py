import itertools

count = 0
for a, b, c in itertools.product(range(1, 10), repeat=3):
    if a * a + b * b == c * c:
        count += 1
        print(a, b, c)
print(count)
print(len(list(itertools.product("ab", [1, 2, 3]))))

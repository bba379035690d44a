def crt(remainders, moduli):
    x, m = 0, 1
    for r, mod in zip(remainders, moduli):
        while x % mod != r:
            x += m
        m *= mod
    return x

print(crt([2, 3, 2], [3, 5, 7]))
print(crt([1, 2, 3], [4, 5, 7]))
print(crt([0, 0, 1], [2, 3, 5]))

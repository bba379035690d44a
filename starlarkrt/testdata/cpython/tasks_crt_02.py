def egcd(a, b):
    if b == 0:
        return a, 1, 0
    g, x, y = egcd(b, a % b)
    return g, y, x - (a // b) * y

def crt(rs, ms):
    x, m = 0, 1
    for r, n in zip(rs, ms):
        g, p, q = egcd(m, n)
        assert (r - x) % g == 0
        x += m * ((r - x) // g * p % (n // g))
        m = m * n // g
        x %= m
    return x

print(crt([3, 4, 1], [5, 7, 9]))
print(crt([1, 1], [6, 4]))
print(egcd(3, 7)[1] % 7)

def base_convert(n, b):
    if n == 0:
        return "0"
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    neg = n < 0
    n = abs(n)
    out = []
    while n:
        n, r = divmod(n, b)
        out.append(digits[r])
    return ("-" if neg else "") + "".join(reversed(out))

print(base_convert(255, 2), base_convert(255, 16), base_convert(-42, 7), base_convert(0, 3))
print(int(base_convert(123456, 36), 36))

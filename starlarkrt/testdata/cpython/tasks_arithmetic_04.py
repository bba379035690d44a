def digits_sum(n):
    return sum(int(d) for d in str(abs(n)))

print(digits_sum(987654321), digits_sum(-406))
print(int("0012"), int("-5"), int(" 7 ".strip()), int("ff", 16), int("777", 8), int("1010", 2))
print(hex(255), oct(8), bin(5))
print(str(3) + str(4), int(str(3) + str(4)) * 2)

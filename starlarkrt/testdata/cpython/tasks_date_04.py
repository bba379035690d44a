def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)

print([y for y in range(1896, 1920) if is_leap(y)])
print(is_leap(2000), is_leap(1900), is_leap(2024))
days = [31, 29 if is_leap(2023) else 28, 31]
print(sum(days))

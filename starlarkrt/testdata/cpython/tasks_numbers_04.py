print(int(7.9), int(-7.9), int("12"), int(True))
print(7 // 2.0, 7 % 2.5, -7 // 2.0, divmod(7.5, 2))
print(max(-0.0, 0), min(1, 1.0), 3 == 3.0, 1 < 1.5 and 1.5 < 2)
print(sum([1, 2, 3]) / len([1, 2, 3]), sum(range(101)))

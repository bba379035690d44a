print(True and 3, 0 or "x", "" or 0, None or [] or "last")
print(all([]), any([]), all([1, 0]), any([0, 0.0, "", 1]))
print(bool("False"), bool(0.0), bool([0]), not None)
print(1 < 2 and 2 < 3, (1 < 2) == True)

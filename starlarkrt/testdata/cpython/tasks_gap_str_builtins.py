# str.swapcase, str as a key function, float() of padded text, int() with no argument.
print("Hello".swapcase())
print(sorted(["b", "A", "c"], key=str.lower)[0])
print(float(" 42 "), int())

import string

print(string.capwords("the quick  brown   fox"))
print(string.capwords("  hello\tworld  "))
print(string.capwords("a-b-c", "-"))
print(string.capwords("ALL CAPS here"))
print(string.capwords(""))

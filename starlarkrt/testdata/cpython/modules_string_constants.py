import string

print(string.ascii_lowercase)
print(string.ascii_uppercase)
print(string.digits, string.hexdigits, string.octdigits)
print(len(string.ascii_letters), len(string.punctuation), len(string.printable))
print(string.punctuation)
print(repr(string.whitespace) == repr(" \t\n\r\x0b\x0c"))

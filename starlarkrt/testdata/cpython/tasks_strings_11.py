def caesar_decode(s, k):
    out = ""
    for c in s:
        if c.isalpha():
            base = ord("a") if c.islower() else ord("A")
            out += chr((ord(c) - base - k) % 26 + base)
        else:
            out += c
    return out

print(caesar_decode("Khoor, Zruog!", 3))
print(caesar_decode("Uryyb", 13))

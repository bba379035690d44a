s = "αβγδεζηθ"
print(len(s))
print([s[i:i + 3] for i in range(0, len(s), 3)] == ["αβγ", "δεζ", "ηθ"])
print(" ".join(s[i:i + 3] for i in range(0, len(s), 3)))
print(s[2], s[-2], s[3:5])

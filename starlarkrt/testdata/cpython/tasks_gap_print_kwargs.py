# print's end= and sep= keywords.
print("a", "b", sep="-")
print("no newline", end="")
print("!")

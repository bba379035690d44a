text = "one\ntwo\n\nthree"
lines = text.splitlines()
print(len(lines), lines[2] == "", lines[-1])
print("-".join(text.split("\n")))
print("a\tb".replace("\t", "    "))
print(len("tab\tnew\nline"))
print(len("a\\b"), "\x41\u0042")

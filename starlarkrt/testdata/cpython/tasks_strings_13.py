text = "a-b_c d"
for sep in ["-", "_", " "]:
    text = text.replace(sep, "|")
print(text, len(text.split("|")))
print("CamelCaseString".lower(), "snake_case_here".replace("_", " ").title().replace(" ", ""))
out = ""
for i, ch in enumerate("CamelCaseString"):
    if ch.isupper() and i > 0:
        out += "_"
    out += ch.lower()
print(out)

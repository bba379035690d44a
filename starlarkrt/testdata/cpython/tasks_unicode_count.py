from collections import Counter

text = "über café naïve über résumé"
c = Counter(text.split())
print(c["über"], len(c))
chars = Counter(text.replace(" ", ""))
print(chars["é"], chars["ü"], chars["e"])
print(len(text), text.count("é"))

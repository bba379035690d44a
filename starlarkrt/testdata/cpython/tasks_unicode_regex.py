import re

text = "Café au lait, crème brûlée"
m = re.search("crème", text)
print(m.start(), m.end(), text[m.start():m.end()])
print([m.start() for m in re.finditer("a", text)])
print(re.sub("é", "e", text))
print(re.split(", ", text)[1])

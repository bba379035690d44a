question = "I have a flute, a piano, two trombones, a violin, four accordions, and a clarinet."
words = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
total = 0
for part in question.replace(" and ", ", ").replace(".", "").split(", "):
    part = part.replace("I have ", "")
    first = part.split()[0]
    total += words.get(first, 0)
print(total)

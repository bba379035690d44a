import string

text = "Hello!!! Is this -- really, truly -- working?"
clean = "".join(ch for ch in text if ch not in string.punctuation)
print(clean)
print(" ".join(clean.split()))
words = [w.lower() for w in clean.split()]
print(sorted(set(words)) == sorted(words), len(words))
print(sum(1 for ch in text if ch in string.ascii_letters))

s = "The rain in Spain stays mainly in the plain"
words = s.split()
print(len(words), max(words, key=len), min(words, key=len))
print(" ".join(w[::-1] for w in words))
print(" ".join(w.capitalize() for w in words))
print(sum(1 for w in words if "ain" in w))
print(s.replace("ain", "AIN", 2))

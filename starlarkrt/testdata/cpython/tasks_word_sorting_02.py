words = "syndrome therefrom cornucopia Hesperus glamour Abel".split()
print(" ".join(sorted(words)))
print(" ".join(sorted(words, key=lambda w: w.lower())))
print(" ".join(sorted(words, key=lambda w: (len(w), w))))

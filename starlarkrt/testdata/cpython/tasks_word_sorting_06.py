def sort_by_last_letter(sentence):
    return " ".join(sorted(sentence.split(), key=lambda w: (w[-1], w)))

print(sort_by_last_letter("alpha bravo charlie delta echo foxtrot"))
print(sort_by_last_letter("one two three four"))

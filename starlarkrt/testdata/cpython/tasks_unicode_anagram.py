def anagram(a, b):
    return sorted(a) == sorted(b)

print(anagram("éta", "até"), anagram("ñu", "uñ"), anagram("é", "e"))
print("".join(sorted("béa")), len(sorted("日本語")))

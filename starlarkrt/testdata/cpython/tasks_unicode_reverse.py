def reverse_words(s):
    return " ".join(w[::-1] for w in s.split())

print(reverse_words("Ça va très bien"))
print("añb"[::-1], "日本"[::-1])
print("".join(reversed("niño")))

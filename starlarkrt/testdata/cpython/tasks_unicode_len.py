words = ["résumé", "naïve", "café", "日本語", "emoji😀", "straße", "a"]
for w in words:
    print(w, len(w))
print(sum(len(w) for w in words))

from collections import Counter

text = "the quick brown fox jumps over the lazy dog the fox"
counts = Counter(text.split())
for word, n in counts.most_common(3):
    print(word, n)
print(counts["the"], counts["cat"], "cat" in counts)
print(len(counts), sum(counts.values()))

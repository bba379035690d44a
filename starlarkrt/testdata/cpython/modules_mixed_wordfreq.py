import re
from collections import Counter
import heapq

text = """It was the best of times, it was the worst of times, it was the age of
wisdom, it was the age of foolishness"""
words = re.findall(r"[a-z]+", text.lower())
counts = Counter(words)
top = heapq.nlargest(3, counts.items(), key=lambda kv: kv[1])
for w, n in top:
    print(w, n)
print(len(counts))

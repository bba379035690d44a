def vowel_counts(s):
    counts = {v: 0 for v in "aeiou"}
    for ch in s.lower():
        if ch in counts:
            counts[ch] += 1
    return counts

c = vowel_counts("Programming In Python Is Fun And Educational")
print(" ".join(f"{v}{c[v]}" for v in "aeiou"))
print(sum(c.values()))

from collections import Counter

def is_anagram(a, b):
    return Counter(a.replace(" ", "").lower()) == Counter(b.replace(" ", "").lower())

pairs = [("listen", "silent"), ("Dormitory", "dirty room"), ("abc", "abd"), ("aab", "abb")]
for a, b in pairs:
    print(a, b, is_anagram(a, b))

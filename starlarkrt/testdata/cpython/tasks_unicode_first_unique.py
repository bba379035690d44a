from collections import Counter

def first_unique(s):
    c = Counter(s)
    for i, ch in enumerate(s):
        if c[ch] == 1:
            return i, ch
    return -1, ""

for s in ["ééaàb", "ñññ", "漢字漢"]:
    i, ch = first_unique(s)
    print(i, ch or "-")

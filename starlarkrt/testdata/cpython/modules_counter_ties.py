from collections import Counter

c = Counter("abcabcxyzzy")
print(" ".join(k + str(v) for k, v in c.most_common()))
print(" ".join(k + str(v) for k, v in c.most_common(2)))
print("".join([k for k, v in c.items() if v == max(c.values())]))

from collections import Counter

print(Counter(a=1) == Counter(a=1, b=0))
print(Counter(a=1) <= Counter(a=2, b=1))
print(Counter(a=2) < Counter(a=2))
print(Counter("abc") != Counter("abcc"))
need = Counter("hello")
have = Counter("ohellwhatever")
print(all(have[ch] >= n for ch, n in need.items()))

import re

print(len(re.split(r"[,;]\s*", "a, b;c,  d")))
print("|".join(re.split(r"[,;]\s*", "a, b;c,  d")))
print(bool(re.fullmatch(r"[A-Z][a-z]+", "Hello")), bool(re.fullmatch(r"[A-Z][a-z]+", "hello")))
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "me@home you@work"))
print(re.match(r"\w+", "word up").group())

s = "I ❤ Go 🚀🚀"
print(len(s), s.count("🚀"), s.find("G"), s[-1], s[2])
print(s.replace("🚀", "!"))
print([c for c in s if ord(c) > 0xFFFF] == ["🚀", "🚀"])

s = "Hello, World"
print(s.lower(), s.upper(), s.title())
print(s.find("o"), s.rfind("o"), s.find("z"), s.index("W"), s.count("l"))
print(s[::-1], s[2:5], s[-5:], s[:-7], s[::2])
print(s.startswith("Hell"), s.endswith("ld"), "World" in s)

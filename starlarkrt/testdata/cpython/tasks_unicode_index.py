s = "héllo wörld"
print(s[0], s[1], s[2], s[-1], s[-4])
print(s[1:4], s[6:], s[:-3], s[::-1], s[::2])
print(s.find("w"), s.find("ö"), s.index("l"), s.rfind("l"), s.find("ö", 8))

s = "abcdefghij"
print(s[0], s[-1], s[3:7], s[7:3], s[-3:-1], s[::3], s[8:100], s[100:])
print(s[::-2], s[-1:-4:-1], s[5::-1], s[:5:-1])
print(len(s[2:2]), s.find("def", 4), s.find("def", 2, 5), s.rfind("a", 1))

print("abc".isalpha(), "abc1".isalnum(), "123".isdigit(), "   ".isspace(), "Title Case".istitle())
print("ABC".isupper(), "abc".islower(), "".isalpha(), "12.5".isdigit())
print("".join(c for c in "a1b2c3" if not c.isdigit()))
print("hello world".count("o"), "aaaa".count("aa"), "abc".count(""))

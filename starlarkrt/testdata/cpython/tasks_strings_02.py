s = "  padded\t\n"
print("[" + s.strip() + "]", "[" + s.lstrip() + "]", "[" + s.rstrip() + "]")
print("xxhixx".strip("x"), "abcba".strip("ab"), "www.example.com".lstrip("w."))
for parts in ["a,b,,c".split(","), "a b  c".split(), "a b  c".split(" "), "k=v=w".split("=", 1), "k=v=w".rsplit("=", 1), "x".partition("="), "a=b".partition("=")]:
    print(len(parts), "|".join(parts))

def permutations(s):
    if len(s) <= 1:
        return [s]
    out = []
    for i, ch in enumerate(s):
        for rest in permutations(s[:i] + s[i + 1:]):
            out.append(ch + rest)
    return out

p = permutations("abc")
print(len(p), " ".join(p))
print(len(set(permutations("aabb"))))

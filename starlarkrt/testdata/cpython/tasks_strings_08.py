def compress(s):
    if not s:
        return ""
    out = []
    prev, count = s[0], 1
    for ch in s[1:]:
        if ch == prev:
            count += 1
        else:
            out.append(prev + (str(count) if count > 1 else ""))
            prev, count = ch, 1
    out.append(prev + (str(count) if count > 1 else ""))
    return "".join(out)

for s in ["aaabbc", "abc", "", "zzzzzzzzzzzz"]:
    print(s, compress(s))

def shift_ascii_only(s, k):
    out = []
    for c in s:
        if "a" <= c and c <= "z":
            out.append(chr((ord(c) - 97 + k) % 26 + 97))
        else:
            out.append(c)
    return "".join(out)

msg = "crème brûlée"
enc = shift_ascii_only(msg, 3)
print(enc, len(enc) == len(msg))
print(shift_ascii_only(enc, -3) == msg)
print([ord(c) for c in "é€😀"])

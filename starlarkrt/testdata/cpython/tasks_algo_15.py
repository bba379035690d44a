def rle_decode(s):
    out, num = "", ""
    for ch in s:
        if ch.isdigit():
            num += ch
        else:
            out += ch * int(num or "1")
            num = ""
    return out

print(rle_decode("3a2b1c"), rle_decode("a10b"), rle_decode("2é3ñ"))

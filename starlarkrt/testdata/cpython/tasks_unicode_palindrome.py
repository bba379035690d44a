def is_pal(s):
    t = [c.lower() for c in s if c.isalpha()]
    return t == t[::-1]

for s in ["Ésope reste ici et se repose", "été", "añña", "abc"]:
    print(is_pal(s))
print("été"[0] == "é", "été"[-1] == "é")

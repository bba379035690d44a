def min_insertions(s):
    need = 0
    opened = 0
    for ch in s:
        if ch == "(":
            opened += 1
        elif opened:
            opened -= 1
        else:
            need += 1
    return need + opened

for s in ["())", "(((", "()))((", "", "()"]:
    print(s, min_insertions(s))

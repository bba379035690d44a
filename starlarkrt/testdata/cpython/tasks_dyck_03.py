def depth(s):
    best = 0
    cur = 0
    for ch in s:
        if ch == "(":
            cur += 1
            best = max(best, cur)
        elif ch == ")":
            cur -= 1
    return best

print(depth("(1+(2*3)+((8)/4))+1"))
print(depth("()()"), depth(""), depth("((()))"))

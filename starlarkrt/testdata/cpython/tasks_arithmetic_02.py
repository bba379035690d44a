def tokenize(s):
    out, num = [], ""
    for ch in s:
        if ch.isdigit():
            num += ch
        else:
            if num:
                out.append(int(num))
                num = ""
            if ch in "+-*/()":
                out.append(ch)
    if num:
        out.append(int(num))
    return out

def evaluate(tokens):
    pos = [0]
    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None
    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]
    def atom():
        t = take()
        if t == "(":
            v = expr()
            take()
            return v
        if t == "-":
            return -atom()
        return t
    def term():
        v = atom()
        while peek() in ("*", "/"):
            if take() == "*":
                v *= atom()
            else:
                v //= atom()
        return v
    def expr():
        v = term()
        while peek() in ("+", "-"):
            if take() == "+":
                v += term()
            else:
                v -= term()
        return v
    return expr()

for s in ["2 + 3 * 4", "(2 + 3) * 4", "-(8 - 10) * 3", "100 / 7 - 1"]:
    print(s, "->", evaluate(tokenize(s)))

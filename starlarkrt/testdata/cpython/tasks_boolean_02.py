def evaluate(expr):
    tokens = expr.replace("(", " ( ").replace(")", " ) ").split()
    pos = [0]
    def parse_or():
        v = parse_and()
        while pos[0] < len(tokens) and tokens[pos[0]] == "or":
            pos[0] += 1
            rhs = parse_and()
            v = v or rhs
        return v
    def parse_and():
        v = parse_not()
        while pos[0] < len(tokens) and tokens[pos[0]] == "and":
            pos[0] += 1
            rhs = parse_not()
            v = v and rhs
        return v
    def parse_not():
        if tokens[pos[0]] == "not":
            pos[0] += 1
            return not parse_not()
        if tokens[pos[0]] == "(":
            pos[0] += 1
            v = parse_or()
            pos[0] += 1
            return v
        t = tokens[pos[0]]
        pos[0] += 1
        return t == "True"
    return parse_or()

for e in ["not ( True ) and ( True )", "True and not not ( not False )", "( not False ) or True and False", "not not not False"]:
    print(evaluate(e))

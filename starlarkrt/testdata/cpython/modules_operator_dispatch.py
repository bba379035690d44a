import operator

OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}

def evaluate_rpn(tokens):
    stack = []
    for tok in tokens.split():
        if tok in OPS:
            b = stack.pop()
            a = stack.pop()
            stack.append(OPS[tok](a, b))
        else:
            stack.append(int(tok))
    return stack[0]

print(evaluate_rpn("3 4 + 2 *"))
print(evaluate_rpn("5 1 2 + 4 * + 3 -"))
print(evaluate_rpn("7 2 /"))

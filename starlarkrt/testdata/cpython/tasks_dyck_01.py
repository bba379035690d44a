def complete(seq):
    pairs = {"(": ")", "[": "]", "{": "}", "<": ">"}
    stack = []
    for tok in seq.split():
        if tok in pairs:
            stack.append(tok)
        elif stack and pairs[stack[-1]] == tok:
            stack.pop()
    return " ".join(pairs[t] for t in reversed(stack))

print(complete("[ { [ ( ) ]"))
print(complete("< [ < [ { < [ ] < { } > > } ] > { { ( ) } { < [ < > ] > }"))
print(complete("( < > ("))

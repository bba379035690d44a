def close_all(tokens):
    opener = {")": "(", "]": "[", ">": "<", "}": "{"}
    closer = {v: k for k, v in opener.items()}
    stack = []
    for t in tokens:
        if t in closer:
            stack.append(t)
        else:
            assert stack and stack[-1] == opener[t], "unbalanced"
            stack.pop()
    return "".join(closer[t] for t in stack[::-1])

print(close_all(list("{<[")))
print(close_all(list("([]<")))

import copy

def permutations_of(items):
    out = []
    def go(path, rest):
        if not rest:
            out.append(copy.copy(path))
            return
        for i in range(len(rest)):
            path.append(rest[i])
            go(path, rest[:i] + rest[i + 1:])
            path.pop()
    go([], items)
    return out

perms = permutations_of([1, 2, 3])
print(len(perms), perms[0], perms[-1])

# the walrus operator
data = [4, 8, 15, 16, 23, 42]
if (n := len(data)) > 5:
    print("long list", n)

def chunks(xs, size):
    out = []
    i = 0
    while (part := xs[i:i + size]):
        out.append(sum(part))
        i += size
    return out

print(chunks(data, 4))
squares = [y for x in range(6) if (y := x * x) % 2 == 0]
print(squares, y)
def first_long(words):
    for w in words:
        if (k := len(w)) > 3:
            return w, k
    return None
w, k = first_long(["ab", "abc", "abcd"])
print(w, k)
print((z := 5) + z)

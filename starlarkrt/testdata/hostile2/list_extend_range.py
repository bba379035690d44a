# want: limit:memory
# A list extended in place by += with a billion-element range.
def main():
    l = [0] * 1000
    l += range(10**9)
    return len(l)

# want: limit:memory
# A string concatenated with itself until one concatenation is past the
# budget on its own.
def main():
    s = 'x' * 100000000
    for i in range(40):
        s += s
    return len(s)

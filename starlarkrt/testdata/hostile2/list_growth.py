# want: limit:memory|steps
# inprocess: limit:memory|steps
# A list extended with itself until it is too big.
def main():
    l = [0] * 1000
    for i in range(40):
        l.extend(l)
    return len(l)

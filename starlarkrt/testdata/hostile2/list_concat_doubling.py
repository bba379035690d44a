# want: limit:memory
# A list extended with itself by +=, in place.
def main():
    l = [0] * 10000000
    for i in range(40):
        l += l
    return len(l)

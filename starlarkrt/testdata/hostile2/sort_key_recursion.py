# want: limit:depth
# A sort key that sorts again, for ever.
def k(x):
    return sorted([x, x], key=k)[0]
def main():
    return sorted([1, 2], key=k)

# want: limit:depth
# max with a key that calls max.
def k(x):
    return max([x], key=k)
def main():
    return max([1], key=k)

# want: limit:depth|time|memory|steps
# repr of a list nested a million deep.
def main():
    x = []
    for i in range(1000000):
        x = [x]
    return len(repr(x))

# want: limit:depth
# repr of a list nested five thousand deep.
def main():
    x = []
    for i in range(5000):
        x = [x]
    return len(repr(x))

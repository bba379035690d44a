# want: limit:depth
# map of a function that maps again.
def g(x):
    return list(map(g, [x]))
def main():
    return g(1)

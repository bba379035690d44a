# want: limit:memory
# list() of a billion-element range: 16 GB asked for in one step.
def main():
    return len(list(range(10**9)))

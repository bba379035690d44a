# want: limit:memory
# sorted() and zip() size their whole result from their arguments.
def main():
    r = range(10**9)
    return len(list(zip(r, r))) + len(sorted(r))

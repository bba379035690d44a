# want: limit:memory|steps|time
# str.ljust to a billion characters.
def main():
    return len('x'.ljust(1000000000))

# want: limit:memory|steps|time
# str.center to a billion characters.
def main():
    return len('x'.center(1000000000, '*'))

# want: limit:memory
# str * int inside a comprehension, through a lambda.
def main():
    grow = lambda c: c * 300000000
    return sum([len(grow(c)) for c in 'abc'])

# want: limit:memory
# inprocess: any
# len('x' * 350000000) under a 256 MB budget.
def main():
    return len('x' * 350000000)

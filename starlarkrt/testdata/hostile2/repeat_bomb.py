# want: limit:memory|time
# (time: the rare worker that stalls at its OS limit instead of dying is killed at the deadline)
# inprocess: limit:memory
# len('x' * 350000000) under a 256 MB budget.
def main():
    return len('x' * 350000000)

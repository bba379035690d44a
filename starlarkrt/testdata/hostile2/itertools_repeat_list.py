# want: limit:steps|memory|time
# list(repeat('x', 10**12)).
import itertools
def main():
    return len(list(itertools.repeat('x', 1000000000000)))

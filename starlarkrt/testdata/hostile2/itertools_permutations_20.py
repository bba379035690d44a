# want: limit:steps|memory|time
# Every permutation of 20 elements.
import itertools
def main():
    n = 0
    for p in itertools.permutations(range(20)):
        n += 1
    return n

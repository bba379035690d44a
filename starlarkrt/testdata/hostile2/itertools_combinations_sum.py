# want: limit:steps|memory|time
# sum over combinations(range(1000), 5).
import itertools
def main():
    return sum([1 for c in itertools.combinations(range(1000), 5)])

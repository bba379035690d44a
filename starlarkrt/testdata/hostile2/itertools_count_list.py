# want: limit:steps|memory|time
# list(islice(count(), 10**12)).
import itertools
def main():
    return len(list(itertools.islice(itertools.count(), 1000000000000)))

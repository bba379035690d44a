# want: limit:steps|memory|time
# list(product(range(100), repeat=10)): 10^20 tuples.
import itertools
def main():
    return len(list(itertools.product(range(100), repeat=10)))

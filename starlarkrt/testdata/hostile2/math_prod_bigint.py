# want: limit:steps|time|memory
# The product of a million integers, ever larger.
import math
def main():
    return math.prod(range(1, 1000000)) > 0

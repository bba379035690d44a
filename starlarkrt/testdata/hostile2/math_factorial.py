# want: error:too large
# factorial of a million.
import math
def main():
    return math.factorial(1000000) > 0

def digit_sum(n):
    """Returns the sum of the decimal digits of the non-negative integer n."""
    return sum([int(c) for c in str(n)])

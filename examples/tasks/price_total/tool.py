def total(prices):
    """Returns the sum of the prices of a list of (item, price) pairs."""
    t = 0
    for _, p in prices:
        t += p
    return t

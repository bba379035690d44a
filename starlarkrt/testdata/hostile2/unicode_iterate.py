# want: limit:steps|memory|time
# Iterating a hundred million code points.
def main():
    n = 0
    for c in 'é' * 100000000:
        n += 1
    return n

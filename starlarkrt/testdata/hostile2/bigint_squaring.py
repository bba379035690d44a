# want: limit:time|memory|steps
# timeout: 250ms
# outlives: inprocess
# Squaring until the integer has billions of bits.
def main():
    x = 3
    for i in range(64):
        x = x * x
    return x > 0

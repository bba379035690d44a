# want: limit:steps|time
# pow(a, b, m) with a hundred-thousand-digit modulus.
def main():
    m = 10 ** 100000 + 7
    return pow(3, m - 2, m) > 0

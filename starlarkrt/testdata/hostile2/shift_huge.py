# want: error:
# A left shift by a billion bits.
def main():
    return (1 << 1000000000) > 0

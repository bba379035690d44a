# want: limit:output
# One print of ten megabytes.
def main():
    print('x' * 10000000)
    return 1

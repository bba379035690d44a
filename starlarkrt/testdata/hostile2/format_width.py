# want: error:too large
# A format width of a billion.
def main():
    return len('{:1000000000}'.format(1))

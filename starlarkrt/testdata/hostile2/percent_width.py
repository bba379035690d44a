# want: error:too large
# A printf width of a billion.
def main():
    return len('%999999999d' % 1)

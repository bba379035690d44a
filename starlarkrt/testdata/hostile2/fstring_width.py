# want: error:too large
# An f-string width of a billion.
def main():
    n = 1
    return len(f'{n:>999999999}')

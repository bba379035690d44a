# want: error:
# getattr cannot reach the host either.
def main():
    return getattr(main, '__code__')

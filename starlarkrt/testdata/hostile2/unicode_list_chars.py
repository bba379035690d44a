# want: limit:memory|steps|time
# inprocess: limit:memory|steps|time
# list() of a string of two hundred million characters.
def main():
    return len(list('ab' * 100000000))

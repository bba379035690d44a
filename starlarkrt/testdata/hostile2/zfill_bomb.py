# want: limit:memory|steps|time
# str.zfill to a billion digits.
def main():
    return len('1'.zfill(1000000000))

# want: limit:memory|steps|time
# split a hundred million characters into single-character strings.
def main():
    s = 'a,' * 50000000
    return len(s.split(','))

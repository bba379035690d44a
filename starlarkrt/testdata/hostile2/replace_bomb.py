# want: limit:memory
# replace every character of ten million with sixty-eight.
def main():
    s = 'a' * 10000000
    return len(s.replace('a', 'b' * 68))

# want: limit:time|steps|memory
# str() of a list shared 2^80 ways.
def main():
    t = []
    for i in range(80):
        t = [t, t]
    return len(str(t))

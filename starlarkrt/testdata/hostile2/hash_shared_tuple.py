# want: limit:time|steps
# timeout: 250ms
# outlives: inprocess
# A dict keyed by a tuple shared 2^80 ways: hashing never ends.
def main():
    t = ()
    for i in range(80):
        t = (t, t)
    d = {t: 1}
    return len(d)

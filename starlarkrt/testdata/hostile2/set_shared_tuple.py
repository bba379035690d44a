# want: limit:time|steps
# timeout: 250ms
# outlives: inprocess
# Adding a widely shared tuple to a set.
def main():
    t = ()
    for i in range(80):
        t = (t, t)
    return len(set([t]))

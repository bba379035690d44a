# want: limit:time|steps|output
# Printing a tuple shared 2^80 ways.
def main():
    t = ()
    for i in range(80):
        t = (t, t)
    print(t)
    return 1

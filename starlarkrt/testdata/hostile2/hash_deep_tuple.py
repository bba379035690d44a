# want: limit:depth|time|memory|steps
# Hashing a tuple nested three million deep.
def main():
    t = ()
    for i in range(3000000):
        t = (t,)
    return len({t: 1})

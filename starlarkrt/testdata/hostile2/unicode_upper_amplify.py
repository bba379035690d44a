# want: limit:memory|steps|time
# timeout: 250ms
# inprocess: limit:memory|steps|time
# upper() of 'ß' doubles; repeated, it explodes.
def main():
    s = 'ß' * 1000
    for i in range(40):
        s = (s.upper().lower() + s)
    return len(s)

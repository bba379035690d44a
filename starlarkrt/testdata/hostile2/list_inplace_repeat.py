# want: limit:memory
# *= on a list and on a dict entry.
def main():
    l = [0, 1]
    d = {'k': l}
    d['k'] *= 10**8
    l *= 10**9
    return len(l)

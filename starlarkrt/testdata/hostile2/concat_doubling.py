# want: limit:memory|time
# (time: building the 100 MB operand under the race detector on a loaded machine;
# TestInProcessRefusesLargeAllocation checks s += s at the memory limit alone)
# A string concatenated with itself until one concatenation is past the
# budget on its own.
def main():
    s = 'x' * 100000000
    for i in range(40):
        s += s
    return len(s)

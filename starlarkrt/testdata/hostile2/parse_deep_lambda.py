# want: limit:depth
# lambda: lambda: ... nested closures.
def main():
    f = @@REPEAT(100000,lambda: )@@1
    return 1

# want: limit:memory|time
# inprocess: limit:memory
# a list of forty million elements, 640 MB.
def main():
    return len([0] * 40000000)

# want: limit:depth
# Two million nested brackets in the source: the parser recurses per bracket.
x = @@REPEAT(2000000,[)@@@@REPEAT(2000000,])@@
def main():
    return 1

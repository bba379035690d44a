# want: limit:depth
# A million unary minus signs: a recursion per operator, no bracket.
def main():
    return @@REPEAT(1000000,-)@@1

# want: limit:depth
# Nested parentheses around an expression.
def main():
    return @@REPEAT(300000,()@@1@@REPEAT(300000,))@@

# want: limit:depth
# Nested dict literals.
def main():
    return len(@@REPEAT(200000,{1: )@@1@@REPEAT(200000,})@@)

# want: limit:depth
# not not not ... True.
def main():
    return @@REPEAT(300000,not )@@True

# want: ok
# A long flat sum is not nesting: it must compile and run.
def main():
    return 0@@REPEAT(5000, + 1)@@

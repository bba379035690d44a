# want: error:comparison exceeded maximum recursion depth
# Comparing wide shared tuples: go.starlark.net bounds comparison at ten levels.
def main():
    a = (1,)
    b = (1,)
    for i in range(9):
        a = (a,) * 30
        b = (b,) * 30
    return a == b

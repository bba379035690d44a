# want: error:
# No attribute reaches the interpreter.
def main():
    return main.__globals__

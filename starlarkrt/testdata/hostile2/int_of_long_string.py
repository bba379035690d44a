# want: error:Exceeds the limit (4300 digits)
# int() of a million-digit string.
def main():
    return int('1' * 1000000) > 0

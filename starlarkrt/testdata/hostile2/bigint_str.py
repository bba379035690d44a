# want: error:Exceeds the limit (4300 digits)
# str() of a million-digit integer: quadratic, refused as Python refuses it.
def main():
    return len(str(7 ** 1200000))

# want: error:Exceeds the limit (4300 digits)
# str() of a 5072-digit integer: quadratic, refused as Python refuses it.
def main():
    return len(str(7 ** 6000))

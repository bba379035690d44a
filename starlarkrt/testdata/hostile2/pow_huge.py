# want: error:
# pow(10, 10**9): refused before it is computed.
def main():
    return pow(10, 1000000000) > 0

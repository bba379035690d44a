# want: error:
# 10 ** 10 ** 9 through the ** operator.
def main():
    return 10 ** 10 ** 9 > 0

# want: limit:result|time
# Returning a ten-megabyte result.
def main():
    return ['x' * 1000] * 10000

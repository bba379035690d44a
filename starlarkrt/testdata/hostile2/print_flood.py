# want: limit:output
# Printing until the output limit.
def main():
    for i in range(10000000):
        print('spam' * 10)

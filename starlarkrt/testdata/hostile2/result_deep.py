# want: limit:result|depth
# Returning a list nested a hundred thousand deep.
def main():
    x = []
    for i in range(100000):
        x = [x]
    return x

# want: limit:result|depth
# Returning a list nested three thousand deep.
def main():
    x = []
    for i in range(3000):
        x = [x]
    return x

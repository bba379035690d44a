# want: limit:result|steps|time|depth|memory
# Returning a list shared 2^40 ways.
def main():
    x = [1]
    for i in range(40):
        x = [x, x]
    return x

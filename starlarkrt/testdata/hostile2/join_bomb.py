# want: limit:memory
# join of a thousand megabyte strings with a megabyte separator.
def main():
    s = 'y' * 1000000
    return len(s.join(['x' * 1000000] * 1000))

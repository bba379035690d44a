# want: limit:depth
# A lambda that calls itself through a dict.
def main():
    d = {}
    d['f'] = lambda n: d['f'](n + 1)
    return d['f'](0)

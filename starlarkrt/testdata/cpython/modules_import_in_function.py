def top_letter(s):
    from collections import Counter
    return Counter(s).most_common(1)[0][0]

def middle(xs):
    import statistics
    return statistics.median(xs)

print(top_letter("banana"), middle([5, 3, 9, 1]))

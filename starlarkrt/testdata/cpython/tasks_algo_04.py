def quicksort(xs):
    if len(xs) < 2:
        return xs
    pivot = xs[len(xs) // 2]
    return quicksort([x for x in xs if x < pivot]) + [x for x in xs if x == pivot] + quicksort([x for x in xs if x > pivot])

print(quicksort([3, 6, 8, 10, 1, 2, 1]))
print("".join(quicksort(list("quicksort"))))

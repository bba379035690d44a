from functools import cmp_to_key

def compare(a, b):
    if a + b > b + a:
        return -1
    if a + b < b + a:
        return 1
    return 0

nums = [3, 30, 34, 5, 9]
strs = sorted([str(n) for n in nums], key=cmp_to_key(compare))
print("".join(strs))
print(sorted([5, 2, 8, 1], key=cmp_to_key(lambda a, b: b - a)))

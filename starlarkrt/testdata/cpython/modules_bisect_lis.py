from bisect import bisect_left

def lis_length(nums):
    tails = []
    for n in nums:
        i = bisect_left(tails, n)
        if i == len(tails):
            tails.append(n)
        else:
            tails[i] = n
    return len(tails)

print(lis_length([10, 9, 2, 5, 3, 7, 101, 18]))
print(lis_length([0, 1, 0, 3, 2, 3]))
print(lis_length([7, 7, 7]))

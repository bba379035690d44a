import heapq

def kth_largest(nums, k):
    h = []
    for n in nums:
        if len(h) < k:
            heapq.heappush(h, n)
        elif n > h[0]:
            heapq.heapreplace(h, n)
    return h[0]

print(kth_largest([3, 2, 1, 5, 6, 4], 2))
print(kth_largest([3, 2, 3, 1, 2, 4, 5, 5, 6], 4))

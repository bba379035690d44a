import bisect
import heapq

stream = [5, 1, 9, 3, 7, 2, 8]
sorted_so_far = []
for x in stream:
    bisect.insort(sorted_so_far, x)
print(sorted_so_far)
print(heapq.nsmallest(3, stream) == sorted_so_far[:3])
print(bisect.bisect_left(sorted_so_far, 6))

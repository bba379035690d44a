import heapq

h = [1, 3, 5, 7, 9]
heapq.heapify(h)
print(heapq.heappushpop(h, 4), h)
print(heapq.heapreplace(h, 0), h)
print(heapq.heappushpop(h, -1), h)
print(list(heapq.merge([1, 4, 9], [2, 3, 10], [5])))
print(list(heapq.merge([9, 4, 1], [8, 2], reverse=True)))

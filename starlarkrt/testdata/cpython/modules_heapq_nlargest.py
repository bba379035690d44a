import heapq

scores = [("ann", 88), ("bob", 95), ("cat", 72), ("dan", 95), ("eve", 60)]
for name, s in heapq.nlargest(3, scores, key=lambda t: t[1]):
    print(name, s)
for name, s in heapq.nsmallest(2, scores, key=lambda t: t[1]):
    print(name, s)
print(heapq.nlargest(2, [3, 1, 4, 1, 5, 9, 2, 6]))
print(heapq.nsmallest(3, [3, 1, 4, 1, 5, 9, 2, 6]))

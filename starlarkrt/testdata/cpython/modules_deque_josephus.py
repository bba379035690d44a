from collections import deque

def josephus(n, k):
    people = deque(range(1, n + 1))
    order = []
    while people:
        people.rotate(-(k - 1))
        order.append(people.popleft())
    return order

print(josephus(7, 3))
print(josephus(10, 2)[-1])

import heapq

tasks = [(3, "write"), (1, "plan"), (2, "test"), (1, "design"), (5, "ship")]
heapq.heapify(tasks)
order = []
while tasks:
    prio, name = heapq.heappop(tasks)
    order.append(f"{prio}:{name}")
print(" ".join(order))

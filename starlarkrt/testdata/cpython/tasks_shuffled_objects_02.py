people = ["Alice", "Bob", "Claire", "Dave", "Eve"]
positions = {p: pos for p, pos in zip(people, ["goalkeeper", "left winger", "striker", "center midfielder", "benchwarmer"])}
trades = [("Alice", "Eve"), ("Bob", "Dave"), ("Claire", "Alice"), ("Eve", "Bob"), ("Dave", "Claire")]
for x, y in trades:
    positions[x], positions[y] = positions[y], positions[x]
print(positions["Dave"])
print(", ".join(f"{p}: {positions[p]}" for p in people))

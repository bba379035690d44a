events = [("woke up", 5), ("gym", 7), ("office", 9), ("free", 13), ("cafe", 15), ("closed", 20)]
free = [(a, b) for (name_a, a), (name_b, b) in zip(events, events[1:]) if name_a == "free"]
print(free)
hours = [h for _, h in events]
print(max(b - a for a, b in zip(hours, hours[1:])))

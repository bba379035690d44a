def free_slots(busy, start=9, end=17, length=1):
    busy = sorted(busy)
    slots = []
    t = start
    for a, b in busy:
        if a - t >= length:
            slots.append((t, a))
        t = max(t, b)
    if end - t >= length:
        slots.append((t, end))
    return slots

alice = [(9, 10), (12, 13)]
bob = [(11, 12), (15, 16)]
slots = free_slots(alice + bob)
print(len(slots))
for a, b in slots:
    print(f"{a}:00 - {b}:00")

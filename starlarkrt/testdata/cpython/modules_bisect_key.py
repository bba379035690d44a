import bisect

events = [(1, "start"), (4, "mid"), (9, "end")]
times = [t for t, _ in events]
print(bisect.bisect_left(events, 4, key=lambda e: e[0]))
print(bisect.bisect_right(events, 4, key=lambda e: e[0]))
bisect.insort(events, (5, "late"), key=lambda e: e[0])
print(" ".join(name for _, name in events))
print(bisect.bisect(times, 5))

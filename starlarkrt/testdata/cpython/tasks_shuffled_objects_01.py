def track(initial, swaps):
    holding = dict(initial)
    for a, b in swaps:
        holding[a], holding[b] = holding[b], holding[a]
    return holding

initial = {"Alice": "red ball", "Bob": "green ball", "Claire": "blue ball"}
swaps = [("Alice", "Bob"), ("Claire", "Alice"), ("Bob", "Claire")]
final = track(initial, swaps)
for name in ["Alice", "Bob", "Claire"]:
    print(name, final[name])
options = ["red ball", "green ball", "blue ball"]
print("(" + "ABC"[options.index(final["Claire"])] + ")")

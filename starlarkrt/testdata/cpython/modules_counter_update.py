from collections import Counter

inventory = Counter(apples=3, pears=2)
inventory.update({"apples": 2, "plums": 5})
inventory.update(["pears", "pears"])
inventory.subtract({"plums": 7})
for k in sorted(inventory):
    print(k, inventory[k])
print(inventory.total())
for c in (+inventory, -inventory):
    print(", ".join(f"{k} {v}" for k, v in sorted(c.items())))

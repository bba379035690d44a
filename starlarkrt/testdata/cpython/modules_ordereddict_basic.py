from collections import OrderedDict

od = OrderedDict()
od["b"] = 2
od["a"] = 1
od["c"] = 3
print("".join(od.keys()))
print(list(od.values()))
od2 = OrderedDict([("x", 1), ("y", 2)])
print(list(od2.items())[0][1])

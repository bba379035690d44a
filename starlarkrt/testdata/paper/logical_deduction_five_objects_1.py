objects = ["white", "green", "brown", "gray", "orange"]

constraints = [
    lambda order: order.index("gray") > order.index("orange"),
    lambda order: order.index("green") == len(order) - 2,
    lambda order: order.index("brown") > order.index("white"),
    lambda order: order.index("brown") < order.index("orange")
]

ret = find_order(objects, constraints)
options = {
    "A": "white",
    "B": "green",
    "C": "brown",
    "D": "gray",
    "E": "orange"
}
ans = [k for k, v in options.items() if v == ret[2]][0]

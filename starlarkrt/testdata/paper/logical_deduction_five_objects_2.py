objects = ["convertible", "bus", "minivan", "truck", "sedan"]

constraints = [
    lambda order: order.index("convertible") > order.index("truck"),
    lambda order: order.index("minivan") == len(order) - 1,
    lambda order: order.index("bus") == len(order) - 3,
    lambda order: order.index("truck") > order.index("sedan")
]

ret = find_order(objects, constraints)
options = {
    "A": "convertible",
    "B": "bus",
    "C": "minivan",
    "D": "truck",
    "E": "sedan"
}
ans = [k for k, v in options.items() if v == ret[-1]][0]

objects = ["Rob", "Ada", "Dan", "Joe", "Mel"]

constraints = [
    lambda order: order.index("Ada") < order.index("Mel"),
    lambda order: order.index("Mel") < order.index("Dan"),
    lambda order: order.index("Joe") > order.index("Dan"),
    lambda order: order.index("Ada") == 1
]

ret = find_order(objects, constraints)
options = {
    "A": "Rob",
    "B": "Ada",
    "C": "Dan",
    "D": "Joe",
    "E": "Mel"
}
ans = [k for k, v in options.items() if v == ret[-1]][0]

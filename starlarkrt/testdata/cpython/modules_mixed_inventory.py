from collections import namedtuple, Counter
from functools import reduce
import operator

Line = namedtuple("Line", "sku qty price")
orders = [Line("A1", 2, 3.5), Line("B2", 1, 10.0), Line("A1", 3, 3.5)]
qty = Counter()
for line in orders:
    qty[line.sku] += line.qty
print(qty["A1"], qty["B2"], qty["C3"])
total = reduce(operator.add, [l.qty * l.price for l in orders])
print(total)
print(sorted(set(l.sku for l in orders)) == ["A1", "B2"])

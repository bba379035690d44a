from collections import namedtuple
from operator import attrgetter, methodcaller

Item = namedtuple("Item", "name price qty")
items = [Item("pen", 1.5, 10), Item("book", 12.0, 2), Item("cup", 4.25, 4)]
for it in sorted(items, key=attrgetter("price")):
    print(it.name)
name, qty = attrgetter("name", "qty")(items[0])
print(name, qty)
upper = methodcaller("upper")
print([upper(it.name) for it in items] == ["PEN", "BOOK", "CUP"])
print(methodcaller("split", "-")("a-b-c")[2])
print(methodcaller("replace", "o", "0")("foo boo"))

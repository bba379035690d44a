from collections import namedtuple

Point = namedtuple("Point", ["x", "y"])
p = Point(3, 4)
q = Point(x=1, y=2)
print(p.x + q.y, p[0], p[-1], len(p))
x, y = p
print(x * y)
print(p._asdict() == {"x": 3, "y": 4})
print(p._replace(x=10).x, p.x)
print(" ".join(Point._fields))
print(p == Point(3, 4), p != q)

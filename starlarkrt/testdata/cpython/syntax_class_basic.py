from dataclasses import dataclass, field

class Point:
    count = 0
    def __init__(self, x, y):
        self.x = x
        self.y = y
        Point.count += 1
    def norm2(self):
        return self.x * self.x + self.y * self.y
    def __repr__(self):
        return "Point(%d, %d)" % (self.x, self.y)
    def __eq__(self, other):
        return self.x == other.x and self.y == other.y
    def __lt__(self, other):
        return self.norm2() < other.norm2()

p = Point(3, 4)
q = Point(1, 1)
print(p, p.norm2(), p == Point(3, 4), p != q, Point.count)
print(sorted([p, q]), q < p)

@dataclass
class Item:
    name: str
    price: float = 0.0
    tags: list = field(default_factory=list)

a = Item("pen", 1.5)
b = Item("pen", 1.5)
a.tags.append("x")
print(a, a == b, len(b.tags))

@dataclass(order=True, frozen=True)
class Version:
    major: int
    minor: int = 0

vs = [Version(1, 2), Version(1, 0), Version(0, 9)]
print(sorted(vs), Version(1) < Version(1, 1), len({Version(1), Version(1, 0)}))
try:
    vs[0].major = 5
except AttributeError as e:
    print("frozen:", e)

class Animal:
    def __init__(self, name):
        self.name = name
    def speak(self):
        return self.name + " makes a sound"
    @staticmethod
    def kinds():
        return 2
    @classmethod
    def make(cls, n):
        return cls(n)

class Dog(Animal):
    def __init__(self, name, breed):
        super().__init__(name)
        self.breed = breed
    def speak(self):
        return super().speak() + " (woof)"
    @property
    def label(self):
        return self.name + "/" + self.breed

d = Dog("rex", "lab")
print(d.speak(), d.label, Animal.kinds(), d.kinds(), isinstance(d, Animal), isinstance(d, Dog), isinstance(Animal("a"), Dog))
print(Animal.make("cat").speak())

class Stack:
    def __init__(self):
        self.items = []
    def push(self, v):
        self.items.append(v)
    def __len__(self):
        return len(self.items)
    def __iter__(self):
        return iter(self.items)
    def __contains__(self, v):
        return v in self.items
    def __getitem__(self, i):
        return self.items[i]
    def __str__(self):
        return "Stack" + str(len(self.items))

s = Stack()
for v in [1, 2, 3]:
    s.push(v)
print(len(s), 2 in s, 9 in s, s[0], s[-1], [v * 2 for v in s], str(s), bool(Stack()))
print(s)

class MyError(ValueError):
    pass

try:
    raise MyError("custom")
except ValueError as e:
    print("caught", e, isinstance(e, MyError))

class Temp:
    def __init__(self):
        self._c = 0
    @property
    def c(self):
        return self._c
    @c.setter
    def c(self, v):
        self._c = v * 2
t = Temp()
t.c = 5
print(t.c)

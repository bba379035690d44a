# model-style tools written with classes and dataclasses
from dataclasses import dataclass, field


class Stack:
    def __init__(self):
        self._items = []

    def push(self, item):
        self._items.append(item)

    def pop(self):
        if not self._items:
            raise IndexError("pop from empty stack")
        return self._items.pop()

    def peek(self):
        return self._items[-1] if self._items else None

    def is_empty(self):
        return len(self._items) == 0

    def __len__(self):
        return len(self._items)


def complete_dyck(seq):
    pairs = {"(": ")", "[": "]", "{": "}", "<": ">"}
    stack = Stack()
    for tok in seq.split():
        if tok in pairs:
            stack.push(tok)
        else:
            try:
                stack.pop()
            except IndexError:
                return "invalid"
    out = []
    while not stack.is_empty():
        out.append(pairs[stack.pop()])
    return " ".join(out)


print(complete_dyck("( [ { < > }"))
print(complete_dyck("( ) )"))


@dataclass
class Person:
    name: str
    holding: str
    position: int = 0


def track(people, swaps):
    by_name = {p.name: p for p in people}
    for a, b in swaps:
        pa, pb = by_name[a], by_name[b]
        pa.holding, pb.holding = pb.holding, pa.holding
    return {p.name: p.holding for p in people}


res = track([Person("Alice", "ball"), Person("Bob", "book"), Person("Claire", "hat")],
            [("Alice", "Bob"), ("Bob", "Claire"), ("Alice", "Claire")])
print(res["Alice"], res["Bob"], res["Claire"])
print(Person("Dan", "pen"))


@dataclass(order=True)
class Slot:
    start: int
    end: int

    def length(self):
        return self.end - self.start

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end


def parse_time(s):
    try:
        h, m = s.split(":")
        return int(h) * 60 + int(m)
    except ValueError:
        raise ValueError("bad time: " + s)


def free_slots(busy, day_start, day_end, need):
    slots = sorted(Slot(parse_time(a), parse_time(b)) for a, b in busy)
    out = []
    cur = parse_time(day_start)
    for s in slots:
        if s.start - cur >= need:
            out.append(Slot(cur, s.start))
        cur = max(cur, s.end)
    if parse_time(day_end) - cur >= need:
        out.append(Slot(cur, parse_time(day_end)))
    return out


for s in free_slots([("10:00", "11:00"), ("09:00", "09:30"), ("13:00", "15:00")], "09:00", "17:00", 60):
    print("%02d:%02d-%02d:%02d" % (s.start // 60, s.start % 60, s.end // 60, s.end % 60), s.length())
try:
    parse_time("9h")
except ValueError as e:
    print(e)
print(Slot(1, 3).overlaps(Slot(2, 5)), Slot(1, 2) < Slot(1, 3), max([Slot(0, 1), Slot(2, 3)]))


class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name

    def describe(self):
        return "%s with %d sides, area %.2f" % (self.name, self.sides, self.area())

    def area(self):
        raise NotImplementedError("area")


class Rect(Shape):
    sides = 4

    def __init__(self, w, h):
        super().__init__("rect")
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)
        self.name = "square"


for sh in [Rect(2, 3), Square(1.5)]:
    print(sh.describe())
try:
    Shape("blob").describe()
except NotImplementedError as e:
    print("not implemented:", e)


@dataclass(frozen=True)
class Card:
    rank: int
    suit: str

    def __str__(self):
        return "%d%s" % (self.rank, self.suit)


hand = [Card(10, "h"), Card(2, "s"), Card(10, "h")]
print(len(set(hand)), str(hand[0]), hand[0] == hand[2], sorted(set(c.suit for c in hand)) == ["h", "s"])
counts = {}
for c in hand:
    counts[c] = counts.get(c, 0) + 1
print(counts[Card(10, "h")], Card(2, "s") in counts)


class Matrix:
    def __init__(self, rows):
        self.rows = [list(r) for r in rows]

    def __getitem__(self, ij):
        i, j = ij
        return self.rows[i][j]

    def __iter__(self):
        return iter(self.rows)

    def __eq__(self, other):
        return isinstance(other, Matrix) and self.rows == other.rows

    def transpose(self):
        return Matrix(zip(*self.rows))

    def __repr__(self):
        return "Matrix(%s)" % self.rows


m = Matrix([[1, 2], [3, 4]])
print(m[0, 1], m.transpose(), m.transpose().transpose() == m, [sum(r) for r in m])

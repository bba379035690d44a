# dataclass inheritance, __post_init__, reflected comparisons, __bool__, hashing
from dataclasses import dataclass, field


@dataclass
class Base:
    id: int
    label: str = "none"


@dataclass
class Child(Base):
    weight: float = 1.0
    parts: list = field(default_factory=list)

    def __post_init__(self):
        self.label = self.label.upper()


c = Child(7, "kid")
print(c, c.label, Child(1) == Child(1), Child(1) == Child(2))
c.parts.append(3)
print(len(Child(2).parts), c.parts)


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __lt__(self, other):
        return self.cents < other.cents

    def __eq__(self, other):
        return self.cents == other.cents

    def __hash__(self):
        return hash(self.cents)

    def __bool__(self):
        return self.cents != 0

    def __repr__(self):
        return "$%d.%02d" % (self.cents // 100, self.cents % 100)


wallet = [Money(250), Money(99), Money(1000), Money(0)]
print(sorted(wallet), max(wallet), min(wallet), Money(5) > Money(3), Money(3) > Money(5))
print([bool(m) for m in wallet], len({Money(1), Money(1), Money(2)}), Money(99) in wallet)
prices = {Money(100): "dollar"}
print(prices.get(Money(100)), prices.get(Money(5), "?"))


class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))


print(list(Countdown(3)), sum(Countdown(4)), 2 in Countdown(3), [x * x for x in Countdown(2)])


class Registry:
    items = []

    @classmethod
    def add(cls, x):
        cls.items.append(x)
        return len(cls.items)

    @staticmethod
    def norm(s):
        return s.strip().lower()


Registry.add(Registry.norm("  A "))
print(Registry.add("b"), ",".join(Registry.items))
print(hash(7), hash(-1), hash(True), hash(2.0), hash(2**70) == 2**70 % (2**61 - 1))

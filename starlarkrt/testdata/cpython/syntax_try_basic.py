# try/except with the runtime's own errors mapped to Python's classes
def parse(s):
    try:
        return int(s)
    except ValueError as e:
        return "bad: " + str(e)

print(parse("42"), parse("x1"))

def get(d, k):
    try:
        return d[k]
    except KeyError as e:
        return "missing " + str(e)

print(get({"a": 1}, "a"), get({"a": 1}, "b"))

def at(xs, i):
    try:
        return xs[i]
    except IndexError as e:
        return str(e)

print(at([1, 2], 1), at([1, 2], 5), at((1,), 3), at("ab", 7))

def div(a, b):
    try:
        return a / b
    except ZeroDivisionError as e:
        return "div: " + str(e)

print(div(6, 3), div(1, 0))

def floordiv(a, b):
    try:
        return a // b
    except ZeroDivisionError as e:
        return str(e)

print(floordiv(7, 2), floordiv(7, 0))

def attr(x):
    try:
        return x.upper()
    except AttributeError as e:
        return str(e)

print(attr("ab"), attr([1]))

def add(a, b):
    try:
        return a + b
    except TypeError as e:
        return str(e)

print(add(1, 2), add("a", 1), add(1, "a"))

try:
    x = float("abc")
except ValueError as e:
    print("float:", e)

try:
    [1, 2].remove(3)
except ValueError as e:
    print(e)

try:
    "abc".index("z")
except ValueError as e:
    print(e)

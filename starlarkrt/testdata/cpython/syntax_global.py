# global and nonlocal
total = 0
seen = []

def add(v):
    global total
    total += v
    seen.append(v)
    return total

for v in [1, 2, 3]:
    add(v)
print(total, seen)

def make_counter(start):
    count = start
    def step(by=1):
        nonlocal count
        count += by
        return count
    return step

c = make_counter(10)
c()
c(5)
print(c())

def outer():
    x = "outer"
    def middle():
        nonlocal x
        def inner():
            nonlocal x
            x = "inner"
        inner()
    middle()
    return x

print(outer())

best = None
def consider(v):
    global best
    if best is None or v > best:
        best = v

for v in [3, 9, 2]:
    consider(v)
print(best)

# else, finally, raise, re-raise, tuples of classes, control flow in try
log = []

def run(v):
    try:
        log.append("try")
        r = 10 // v
    except ZeroDivisionError:
        log.append("except")
        r = -1
    else:
        log.append("else")
    finally:
        log.append("finally")
    return r

print(run(2), run(0))
print(" ".join(log))

def check(n):
    if n < 0:
        raise ValueError("negative: %d" % n)
    if n == 0:
        raise KeyError("zero")
    return n

for n in [1, -2, 0]:
    try:
        print(check(n))
    except (ValueError, KeyError) as e:
        print("caught", type(e) == type(ValueError("x")), e)

def first_even(xs):
    for x in xs:
        try:
            if x % 2 == 0:
                return x
            if x > 100:
                break
            continue
        finally:
            log.append(x)
    return None

log = []
print(first_even([1, 3, 4, 5]), log)
log = []
print(first_even([1, 101, 2]), log)

def reraise(v):
    try:
        try:
            return int(v)
        except ValueError:
            raise
    except ValueError as e:
        return "outer: " + str(e)

print(reraise("7"), reraise("q"))

def wrap(v):
    try:
        int(v)
    except ValueError as e:
        raise RuntimeError("cannot parse " + v) from e

try:
    wrap("zz")
except RuntimeError as e:
    print(e)

try:
    raise Exception("plain", 3)
except Exception as e:
    print(e, len(e.args), e.args[1])

try:
    raise IndexError
except LookupError as e:
    print("lookup", len(str(e)))

def count(words):
    total = 0
    bad = 0
    for w in words:
        try:
            total += int(w)
        except ValueError:
            bad += 1
    return total, bad

print(count(["1", "x", "2", "3y", "4"]))

try:
    assert 1 == 2, "one is not two"
except AssertionError as e:
    print("assert:", e)

try:
    assert False
except AssertionError as e:
    print("bare assert:", len(str(e)))

def safe(f, default):
    try:
        return f()
    except Exception:
        return default

print(safe(lambda: [1][3], "d1"), safe(lambda: {}["k"], "d2"), safe(lambda: 1 // 1, "d3"))

try:
    pass
except:
    print("never")
else:
    print("no error")

result = "unset"
try:
    result = int("12") * 2
except:
    result = "failed"
print(result)

# nested try statements, handlers that raise, loops inside try
def parse_all(items):
    good, bad = [], 0
    for s in items:
        try:
            try:
                good.append(int(s))
            except ValueError:
                good.append(int(float(s)))
        except ValueError:
            bad += 1
    return good, bad

print(parse_all(["1", "2.5", "x", "7"]))

def lookup(table, keys):
    found = []
    for k in keys:
        try:
            v = table[k]
        except KeyError:
            continue
        else:
            found.append(v)
        finally:
            pass
    return found

print(lookup({"a": 1, "c": 3}, ["a", "b", "c"]))

def translate(e):
    try:
        raise e
    except ZeroDivisionError:
        return "zero"
    except LookupError as err:
        return "lookup " + str(err)
    except Exception as err:
        return "other " + str(err)

print(translate(ZeroDivisionError("z")), translate(IndexError("i")), translate(ValueError("v")))

def search(grid, target):
    for r, row in enumerate(grid):
        try:
            c = row.index(target)
        except ValueError:
            continue
        return r, c
    return None

print(search([[1, 2], [3, 4]], 4), search([[1]], 9))

attempts = 0
while True:
    attempts += 1
    try:
        if attempts < 3:
            raise RuntimeError("retry")
        break
    except RuntimeError:
        pass
print("attempts", attempts)

def cleanup():
    log = []
    for i in range(3):
        try:
            if i == 1:
                continue
            log.append("body%d" % i)
        finally:
            log.append("fin%d" % i)
    return log

print(" ".join(cleanup()))

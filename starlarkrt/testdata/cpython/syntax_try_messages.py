# str(e) of the runtime's errors, worded as CPython words them
def msg(f):
    try:
        f()
        return "no error"
    except Exception as e:
        return kind(e) + ": " + str(e)

def kind(e):
    for name, cls in [("KeyError", KeyError), ("IndexError", IndexError), ("ZeroDivisionError", ZeroDivisionError),
                      ("ValueError", ValueError), ("AttributeError", AttributeError), ("TypeError", TypeError),
                      ("AssertionError", AssertionError)]:
        if isinstance(e, cls):
            return name
    return "Exception"

def no_msg():
    assert 1 == 2

print(msg(lambda: {"a": 1}["b"]))
print(msg(lambda: {1: 2}[3]))
print(msg(lambda: [1, 2][2]))
print(msg(lambda: (1, 2)[-3]))
print(msg(lambda: "ab"[5]))
print(msg(lambda: [].pop()))
print(msg(lambda: 1 / 0))
print(msg(lambda: 1 // 0))
print(msg(lambda: 5 % 0))
print(msg(lambda: int("12x")))
print(msg(lambda: int("")))
print(msg(lambda: float("abc")))
print(msg(lambda: [1].remove(2)))
print(msg(lambda: "abc".index("z")))
print(msg(lambda: [1].nope))
print(msg(lambda: "s".nope))
print(msg(lambda: "a" + 1))
print(msg(lambda: 1 + "a"))
print(msg(lambda: 1 < "a"))
print(msg(lambda: {[1]: 2}))
print(msg(no_msg))
print(msg(lambda: 1 + 1))

def unpack2(s):
    a, b = s.split(",")
    return a + b

print(msg(lambda: unpack2("x")))
print(msg(lambda: unpack2("x,y,z")))
print(msg(lambda: unpack2("x,y")))

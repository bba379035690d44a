from collections import namedtuple

Config = namedtuple("Config", "host port debug", defaults=[8080, False])
c = Config("localhost")
print(c.host, c.port, c.debug)
print(Config("h", 1, True).debug)
print(Config._make(["a", 2, True]).port)
print(tuple(c)[1:])
print(c.count(False), c.index(8080))

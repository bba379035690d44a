import copy

config = {"name": "svc", "ports": [80, 443], "env": {"debug": False}}
c2 = copy.deepcopy(config)
c2["ports"].append(8080)
c2["env"]["debug"] = True
print(config["ports"], config["env"]["debug"])
print(c2["ports"], c2["env"]["debug"])
c3 = copy.copy(config)
c3["ports"].append(1)
print(len(config["ports"]))

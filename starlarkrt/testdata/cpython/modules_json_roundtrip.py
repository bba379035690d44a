import json

obj = {"b": [1, 2, {"c": None}], "a": True, "n": 1.5}
s = json.dumps(obj, sort_keys=True)
print(s)
back = json.loads(s)
print(back["b"][2]["c"] == None, back["n"])
print(json.dumps([1, "two", False]))
print(json.dumps({"k": "v"}, indent=2))

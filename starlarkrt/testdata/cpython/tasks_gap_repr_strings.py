# Python's repr of a string inside a container uses single quotes.
words = sorted(["pear", "fig"])
print(words)
print({"k": "v"}, ("a",), repr("it's"))

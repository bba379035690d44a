from itertools import permutations

fruits = ["apples", "plums", "kiwis"]
prices = {}
for order in permutations(fruits):
    cheapest, middle, priciest = order
    if priciest != "kiwis" and cheapest == "plums":
        prices = {f: i for i, f in enumerate(order)}
options = ["(A) The apples are the cheapest", "(B) The plums are the cheapest", "(C) The kiwis are the most expensive"]
print(options[1] if min(prices, key=prices.get) == "plums" else options[0])

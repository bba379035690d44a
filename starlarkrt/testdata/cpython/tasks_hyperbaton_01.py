ORDER = ["opinion", "size", "age", "shape", "color", "origin", "material", "purpose"]
KIND = {"lovely": "opinion", "big": "size", "old": "age", "square": "shape", "red": "color",
        "German": "origin", "wooden": "material", "hiking": "purpose", "small": "size", "new": "age"}

def correct(adjs):
    ranks = [ORDER.index(KIND[a]) for a in adjs]
    return ranks == sorted(ranks)

for phrase in ["lovely big old red German wooden hiking", "old lovely red", "small new square"]:
    print(phrase, correct(phrase.split()))

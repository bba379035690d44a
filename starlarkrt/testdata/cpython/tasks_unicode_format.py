rows = [("café", 3.5), ("thé", 2.0), ("jus d'orange", 4.25)]
width = max(len(name) for name, _ in rows)
for name, price in rows:
    print(name.ljust(width), "|", "%5.2f" % price)
print("{:-^20}".format(" menú "))

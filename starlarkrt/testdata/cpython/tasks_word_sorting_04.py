inputs = [
    "List: thrill splutter panicking scorch same dot prod obstetric malton onus",
    "List: beau cheek exhaust",
    "List: z y x w",
]
for line in inputs:
    words = line.replace("List:", "").split()
    print(" ".join(sorted(words)))

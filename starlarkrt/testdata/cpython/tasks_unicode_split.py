line = "naïve,café,über"
parts = line.split(",")
print(len(parts), parts[1], parts[2][0])
print(line.index("café"), line.find(","), line.rfind(","))
print(line.partition(",")[2])
print("–".join(parts))

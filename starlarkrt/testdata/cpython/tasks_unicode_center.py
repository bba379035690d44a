for w in ["né", "日本", "x"]:
    print("[" + w.center(6, "*") + "]", "[" + w.ljust(4) + "]", "[" + w.rjust(4, ".") + "]")
print("[{:>5}]".format("é"), "[{:^5}]".format("ñ"))
print(f"[{'ü':<3}]")

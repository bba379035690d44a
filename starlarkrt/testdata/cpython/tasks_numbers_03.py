for x in [0.5, 1.5, 2.5, -0.5, -1.5, 2.675, 1.005]:
    print(x, round(x), round(x, 1), round(x, 2))

def returns_home(instructions):
    x = 0
    y = 0
    heading = (0, 1)
    for step in instructions.split(". "):
        step = step.strip(".").strip()
        if step == "Turn left":
            heading = (-heading[1], heading[0])
        elif step == "Turn right":
            heading = (heading[1], -heading[0])
        elif step == "Turn around":
            heading = (-heading[0], -heading[1])
        elif step.startswith("Take"):
            n = int(step.split()[1])
            x += heading[0] * n
            y += heading[1] * n
    return x == 0 and y == 0, (x, y)

print(returns_home("Take 2 steps. Take 3 steps. Turn around. Take 5 steps."))
print(returns_home("Take 1 step. Turn right. Take 2 steps. Turn left. Take 1 step."))

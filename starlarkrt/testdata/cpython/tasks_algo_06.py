def flood_fill(grid, r, c, new):
    old = grid[r][c]
    if old == new:
        return grid
    stack = [(r, c)]
    while stack:
        i, j = stack.pop()
        if 0 <= i and i < len(grid) and 0 <= j and j < len(grid[0]) and grid[i][j] == old:
            grid[i][j] = new
            stack.extend([(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)])
    return grid

g = [list("aab"), list("abb"), list("bba")]
for row in flood_fill(g, 0, 0, "x"):
    print("".join(row))

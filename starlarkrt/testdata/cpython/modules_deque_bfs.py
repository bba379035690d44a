from collections import deque

grid = [
    "S.#.....",
    ".##.###.",
    "....#...",
    ".##...#E",
]
rows, cols = len(grid), len(grid[0])
start = (0, 0)
q = deque([(start, 0)])
seen = set([start])
answer = -1
while q:
    (r, c), d = q.popleft()
    if grid[r][c] == "E":
        answer = d
        break
    for dr, dc in [(1, 0), (-1, 0), (0, 1), (0, -1)]:
        nr, nc = r + dr, c + dc
        if 0 <= nr and nr < rows and 0 <= nc and nc < cols and grid[nr][nc] != "#" and (nr, nc) not in seen:
            seen.add((nr, nc))
            q.append(((nr, nc), d + 1))
print(answer)

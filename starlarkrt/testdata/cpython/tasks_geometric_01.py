import math

def polygon_area(pts):
    n = len(pts)
    s = 0
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2

print(polygon_area([(0, 0), (4, 0), (4, 3)]))
print(polygon_area([(0, 0), (2, 0), (2, 2), (0, 2)]))
print(math.sqrt(3 ** 2 + 4 ** 2))

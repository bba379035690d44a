def run_task():
    count = 0
    for a in range(1, 6):
        for b in range(1, 6):
            for c in range(1, 6):
                if len(set([a, b, c])) == 3 and a + b == c and a < b:
                    count += 1
                    print(a, b, c)
    return count

print(run_task())

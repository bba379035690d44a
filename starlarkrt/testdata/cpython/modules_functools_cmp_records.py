import functools

people = [("ann", 30), ("bob", 25), ("cat", 30), ("dan", 25)]

def by_age_then_name_desc(p, q):
    if p[1] != q[1]:
        return p[1] - q[1]
    if p[0] < q[0]:
        return 1
    if p[0] > q[0]:
        return -1
    return 0

for name, age in sorted(people, key=functools.cmp_to_key(by_age_then_name_desc)):
    print(name, age)

import copy

shared = [1, 2]
outer = [shared, shared]
dup = copy.deepcopy(outer)
dup[0].append(3)
print(dup[1], shared)
loop = [1]
loop.append(loop)
d = copy.deepcopy(loop)
print(d[0], len(d), d[1][0], len(d[1]))

s = "añb€c"
for i, ch in enumerate(s):
    print(i, ch)
print(list(range(len(s))))
print([i for i, c in enumerate(s) if ord(c) > 127])

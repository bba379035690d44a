# else on for and while loops
def is_prime(n):
    if n < 2:
        return False
    for d in range(2, n):
        if n % d == 0:
            break
    else:
        return True
    return False

print([n for n in range(20) if is_prime(n)])
for x in []:
    print("never")
else:
    print("empty loop runs else")
i = 0
while i < 3:
    i += 1
else:
    print("while else", i)
i = 0
while True:
    i += 1
    if i == 4:
        break
else:
    print("not printed")
print(i)
for a in range(3):
    for b in range(3):
        if a + b == 3:
            break
    else:
        print("no break for", a)
        continue
    print("break at", a, b)

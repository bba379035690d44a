def to_min(s):
    h, m = s.split(":")
    return int(h) * 60 + int(m)

def to_str(t):
    return "%d:%02d" % (t // 60, t % 60)

busy = [("9:00", "9:30"), ("10:00", "11:15"), ("13:00", "14:00")]
day = (to_min("9:00"), to_min("17:00"))
need = 60
t = day[0]
answer = None
for a, b in sorted((to_min(a), to_min(b)) for a, b in busy):
    if a - t >= need:
        answer = (t, t + need)
        break
    t = max(t, b)
print("No time slot works." if answer == None else to_str(answer[0]) + " - " + to_str(answer[1]))

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]

def parse(s):
    month, day, year = s.replace(",", "").split()
    return int(year), MONTHS.index(month) + 1, int(day)

y, m, d = parse("July 4, 1776")
print(f"{m:02d}/{d:02d}/{y}")
print("%04d-%02d-%02d" % parse("March 9, 2020"))

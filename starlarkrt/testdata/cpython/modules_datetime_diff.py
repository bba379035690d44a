from datetime import datetime, timedelta, date

d1 = date(2024, 2, 28)
d2 = d1 + timedelta(days=2)
print(d2.isoformat())
print((date(2024, 12, 25) - date(2024, 1, 1)).days)
t = datetime(2023, 3, 15, 14, 30)
print(t.strftime("%Y/%m/%d %H:%M"))
print((t + timedelta(hours=12)).strftime("%A %d %B %Y"))
print(datetime.strptime("07/04/1776", "%m/%d/%Y").strftime("%B %d, %Y"))

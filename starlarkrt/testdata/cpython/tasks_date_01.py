from datetime import date, timedelta

today = date(2019, 12, 31)
print((today - timedelta(days=1)).strftime("%m/%d/%Y"))
print((today + timedelta(days=1)).strftime("%m/%d/%Y"))
print((today - timedelta(weeks=1)).strftime("%m/%d/%Y"))

from datetime import datetime, timedelta

d = datetime.strptime("03/01/2020", "%m/%d/%Y")
yesterday = d - timedelta(days=1)
print(yesterday.strftime("%m/%d/%Y"))
print((d + timedelta(days=365)).strftime("%m/%d/%Y"))
print(d.strftime("%A"), yesterday.strftime("%A"))

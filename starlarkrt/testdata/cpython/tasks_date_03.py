from datetime import date

def day_of_year(y, m, d):
    return (date(y, m, d) - date(y, 1, 1)).days + 1

print(day_of_year(2020, 3, 1), day_of_year(2021, 3, 1), day_of_year(2000, 12, 31))
print(date(2024, 1, 1).weekday(), date(2024, 1, 1).isoweekday())

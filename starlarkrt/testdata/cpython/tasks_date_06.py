from datetime import date

def age(born, on):
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years

print(age(date(1990, 6, 15), date(2024, 6, 14)))
print(age(date(1990, 6, 15), date(2024, 6, 15)))
print(age(date(2000, 2, 29), date(2021, 2, 28)))

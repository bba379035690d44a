# want: limit:steps|time
# Stepping a date one day at a time for ever.
from datetime import date, timedelta
def main():
    d = date(1, 1, 1)
    while True:
        d = d + timedelta(days=1)
        if d.year == 9999:
            d = date(1, 1, 1)

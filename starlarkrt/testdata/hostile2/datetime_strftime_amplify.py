# want: limit:memory|steps|time
# strftime with a format that expands every two bytes to thirty.
from datetime import date
def main():
    d = date(2024, 1, 1)
    return len(d.strftime('%c' * 20000000))

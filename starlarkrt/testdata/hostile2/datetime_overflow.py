# want: error:
# timedelta past its range.
from datetime import timedelta
def main():
    return timedelta(days=10**18).days

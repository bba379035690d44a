# want: limit:memory|steps|time
# re.sub that turns every empty match into a megabyte.
import re
def main():
    return len(re.sub('', 'x' * 1000000, 'a' * 1000))

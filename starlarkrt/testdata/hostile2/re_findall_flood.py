# want: limit:memory|steps|time
# findall of the empty pattern over ten million characters.
import re
def main():
    return len(re.findall('', 'a' * 10000000))

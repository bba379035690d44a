# want: limit:memory|steps|time
# re.escape doubles a string; repeated, it explodes.
import re
def main():
    s = '.' * 1000
    for i in range(40):
        s = re.escape(s)
    return len(s)

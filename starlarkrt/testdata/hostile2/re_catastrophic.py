# want: ok
# A pattern that backtracks exponentially in CPython is linear in RE2.
import re
def main():
    return re.match(r'^(a+)+$', 'a' * 100000 + '!') == None

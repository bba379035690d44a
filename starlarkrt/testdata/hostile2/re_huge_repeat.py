# want: error:
# A repetition count RE2 refuses.
import re
def main():
    return re.compile('(a{1000}){1000}') != None

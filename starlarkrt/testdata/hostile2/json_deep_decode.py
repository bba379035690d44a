# want: limit:depth
# json.loads of two million nested brackets.
import json
def main():
    return json.loads('[' * 2000000 + ']' * 2000000)

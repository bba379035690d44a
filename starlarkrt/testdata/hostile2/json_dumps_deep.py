# want: limit:depth
# json.dumps of a list nested 100000 deep.
import json
def main():
    x = []
    for i in range(100000):
        x = [x]
    return len(json.dumps(x))

# want: limit:depth
# json.dumps of a list nested three thousand deep.
import json
def main():
    x = []
    for i in range(3000):
        x = [x]
    return len(json.dumps(x))

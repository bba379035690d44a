# want: limit:steps|time
# json.dumps of a list that doubles by sharing: 2^60 leaves.
import json
def main():
    x = [1]
    for i in range(60):
        x = [x, x]
    return len(json.dumps(x))

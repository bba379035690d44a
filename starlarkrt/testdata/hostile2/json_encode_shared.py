# want: limit:steps|time|depth
# go.starlark.net's json.encode of a shared structure.
import json
def main():
    x = [1]
    for i in range(60):
        x = [x, x]
    return len(json.encode(x))

# want: limit:depth
# json.decode, go.starlark.net's name, of deep nesting.
import json
def main():
    return json.decode('[' * 2000000 + ']' * 2000000)

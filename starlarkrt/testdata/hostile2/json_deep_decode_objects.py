# want: limit:depth
# json.loads of nested objects.
import json
def main():
    return json.loads('{"a": ' * 500000 + '1' + '}' * 500000)

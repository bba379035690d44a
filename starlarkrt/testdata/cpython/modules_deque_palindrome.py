from collections import deque

def is_palindrome(s):
    d = deque(ch.lower() for ch in s if ch.isalnum())
    while len(d) > 1:
        if d.popleft() != d.pop():
            return False
    return True

for s in ["A man, a plan, a canal: Panama", "race a car", "", "No lemon, no melon"]:
    print(is_palindrome(s))

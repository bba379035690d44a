def is_palindrome(s):
    t = "".join(c.lower() for c in s if c.isalnum())
    return t == t[::-1]

for s in ["Racecar", "Was it a car or a cat I saw?", "hello", "12321", ""]:
    print(s, is_palindrome(s))

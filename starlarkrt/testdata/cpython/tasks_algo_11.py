def word_break(s, words):
    ok = [True] + [False] * len(s)
    for i in range(1, len(s) + 1):
        for w in words:
            if i >= len(w) and ok[i - len(w)] and s[i - len(w):i] == w:
                ok[i] = True
                break
    return ok[-1]

print(word_break("leetcode", ["leet", "code"]), word_break("catsandog", ["cats", "dog", "sand", "and", "cat"]))
print(word_break("théâtre", ["thé", "âtre"]))

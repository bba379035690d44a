from collections import deque, Counter

def longest_window_with_k_distinct(s, k):
    window = deque()
    counts = Counter()
    best = ""
    for ch in s:
        window.append(ch)
        counts[ch] += 1
        while len(counts) > k:
            old = window.popleft()
            counts[old] -= 1
            if counts[old] == 0:
                counts.pop(old)
        if len(window) > len(best):
            best = "".join(window)
    return best

print(longest_window_with_k_distinct("eceba", 2))
print(longest_window_with_k_distinct("aaabbccd", 2))

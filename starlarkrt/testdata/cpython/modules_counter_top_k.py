from collections import Counter

nums = [4, 1, -1, 2, -1, 2, 3, 4, 4, 2]
k = 2
top = [n for n, _ in Counter(nums).most_common(k)]
print(top)
freq = Counter(nums)
print(sorted(freq, key=lambda n: (-freq[n], n)))

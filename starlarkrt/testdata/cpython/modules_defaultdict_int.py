from collections import defaultdict

counts = defaultdict(int)
for ch in "hello world":
    if ch != " ":
        counts[ch] += 1
print("".join(f"{k}{v}" for k, v in sorted(counts.items())))
print(counts["q"], len(counts))

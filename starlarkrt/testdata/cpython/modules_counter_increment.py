from collections import Counter

votes = ["red", "blue", "red", "green", "blue", "red"]
tally = Counter()
for v in votes:
    tally[v] += 1
winner = max(tally, key=tally.get)
print(winner, tally[winner])
print(" ".join(f"{k}:{n}" for k, n in tally.most_common()))
print(tally.most_common(0), tally.most_common(10) == tally.most_common())

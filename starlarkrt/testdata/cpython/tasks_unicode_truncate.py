def truncate(s, n):
    return s if len(s) <= n else s[:n - 1] + "…"

for s in ["Prêt-à-porter collection", "short", "日本語のテキストです"]:
    t = truncate(s, 8)
    print(t, len(t))

def run_task(text):
    items = [w.strip() for w in text.split(",") if w.strip()]
    return ", ".join(sorted(set(items), reverse=True))

print(run_task("pear, apple, fig, apple, kiwi,"))
print(run_task("b,a,c"))

initial_positions = [("Alice", "goalkeeper"), ("Bob", "left midfielder"), ("Claire", "right winger"), ("Dave", "striker"), ("Eve", "center midfielder")]
switches = [("Alice", "Claire"), ("Alice", "Bob"), ("Dave", "Bob"), ("Bob", "Eve"), ("Dave", "Eve")]

ret = square_dance(initial_positions, switches)
options = ["goalkeeper", "left midfielder", "right winger", "striker", "center midfielder"]
ans = options.index(ret["Eve"]) + 1  # Convert the return value to an option index (1-based)

initial_presents = [("Alice", "green present"), ("Bob", "purple present"), ("Claire", "blue present"), ("Dave", "black ball"), ("Eve", "white present")]
switches = [("Eve", "Bob"), ("Claire", "Alice"), ("Bob", "Eve"), ("Dave", "Claire"), ("Alice", "Eve")]

ret = square_dance(initial_presents, switches)
options = ["green present", "purple present", "blue present", "black ball", "white present"]
ans = options.index(ret["Claire"]) + 1  # Convert the return value to an option index (1-based)

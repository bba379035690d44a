initial_partners = [("Alice", "Helga"), ("Bob", "Jamie"), ("Claire", "Ophelia"), ("Dave", "Karl"), ("Eve", "Rodrigo")]
switches = [("Eve", "Bob"), ("Dave", "Claire"), ("Claire", "Bob"), ("Dave", "Alice"), ("Claire", "Eve")]

ret = square_dance(initial_partners, switches)
options = ["Helga", "Jamie", "Ophelia", "Karl", "Rodrigo"]
ans = options.index(ret["Claire"]) + 1  # Convert the return value to an option index (1-based)

statements = [("Fidel", None, True), ("Jerry", "Fidel", False), ("Vina", "Jerry", True), ("Millie", "Vina", False)]
truth = {}
for who, about, says_truthful in statements:
    if about == None:
        truth[who] = says_truthful
    else:
        truth[who] = truth[about] == says_truthful
print(", ".join(f"{k}: {'tells the truth' if v else 'lies'}" for k, v in truth.items()))
print("Yes" if truth["Millie"] else "No")

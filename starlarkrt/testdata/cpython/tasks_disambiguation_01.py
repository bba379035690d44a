sentences = [
    ("The chef told the waiter that he was tired.", ["chef", "waiter"]),
    ("The nurse helped the patient because she was kind.", ["nurse", "patient"]),
]
for s, cands in sentences:
    words = s.rstrip(".").split()
    pron = [w for w in words if w in ("he", "she", "they")][0]
    print(pron, "ambiguous between", " and ".join(cands))

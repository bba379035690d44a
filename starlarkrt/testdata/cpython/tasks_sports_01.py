sports = {"Mookie Betts": "baseball", "Lionel Messi": "soccer", "LeBron James": "basketball"}
claims = [("Mookie Betts", "hit a home run"), ("Lionel Messi", "scored a penalty kick"), ("LeBron James", "threw a touchdown")]
actions = {"baseball": ["home run", "strikeout"], "soccer": ["penalty kick", "corner"], "basketball": ["dunk", "free throw"]}
for who, what in claims:
    ok = any(a in what for a in actions[sports[who]])
    print(who, "plausible" if ok else "implausible")

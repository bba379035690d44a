for s in ["éclair", "ÀÉÎÕÜ", "çà", "ωμέγα"]:
    print(s.upper(), s.lower(), s.capitalize(), len(s.upper()))
print("Ünïcödé".title())

# Full Unicode case mappings: German sharp s upper-cases to SS, final sigma.
print("straße".upper(), "ΣΑΣ".lower())

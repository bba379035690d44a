words2 = ["covalent", "spiderwort", "horowitz", "divisive", "spiritual", "cheshire", "affluent", "gideon", "quadrature", "julio", "peanut", "epsilon", "diagnostician", "grover", "folklore", "gothic", "salient"]
ret2 = sort_words_alphabetically(words2)
ans2 = " ".join(ret2)

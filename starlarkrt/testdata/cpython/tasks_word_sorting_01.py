def sort_words(question):
    words = question.split(":", 1)[1].split()
    return " ".join(sorted(words))

print(sort_words("Sort the following words alphabetically: List: oven costume counterpart"))
print(sort_words("Sort the following words alphabetically: List: hypochlorite ponderosa phone credulity"))

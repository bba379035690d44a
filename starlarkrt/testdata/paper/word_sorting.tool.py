def sort_words_alphabetically(word_list):
    return sorted(word_list)

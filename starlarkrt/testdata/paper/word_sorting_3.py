words3 = ["euclidean", "stonehenge", "hobby", "cloudy", "winsome", "invite", "thrifty", "fight", "majestic", "citrus", "surge", "scene"]
ret3 = sort_words_alphabetically(words3)
ans3 = " ".join(ret3)

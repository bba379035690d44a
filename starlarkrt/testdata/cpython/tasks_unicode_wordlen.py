sentence = "Привет мир это тест"
words = sentence.split()
print(len(sentence), len(words))
print([len(w) for w in words])
print(max(words, key=len), sorted(words, key=len)[0])
print(sentence[7:10], sentence[-4:])

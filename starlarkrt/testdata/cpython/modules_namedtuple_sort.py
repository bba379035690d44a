from collections import namedtuple

Student = namedtuple("Student", "name grade age")
students = [Student("ann", 90, 20), Student("bob", 85, 22), Student("cid", 90, 19)]
for s in sorted(students, key=lambda s: (-s.grade, s.age)):
    print(s.name, s.grade, s.age)
best = max(students, key=lambda s: s.grade)
print(best.name)
print(sorted(students)[0].name)

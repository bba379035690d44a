import re

text = "Order 66 shipped on 2023-05-04; order 7 on 2023-06-11."
print(",".join(re.findall(r"\d+", text)))
dates = re.findall(r"(\d{4})-(\d{2})-(\d{2})", text)
print(len(dates), dates[0][0], dates[1][2])
print(re.sub(r"\s+", " ", "a   b \t c"))
m = re.search(r"order (\d+)", text, re.IGNORECASE)
print(m.group(1))

from datetime import date, timedelta

start = date(2021, 1, 4)
options = {"(A)": "01/11/2021", "(B)": "01/10/2021", "(C)": "12/28/2020"}
target = (start + timedelta(days=7)).strftime("%m/%d/%Y")
answer = [k for k, v in options.items() if v == target]
print(answer[0] if answer else "none")

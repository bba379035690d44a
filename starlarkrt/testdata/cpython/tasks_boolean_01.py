exprs = ["not ( True ) and ( True )", "True and not not ( not False )", "not True or False or ( False )", "False or not ( True ) and False"]
values = [not (True) and (True), True and not not (not False), not True or False or (False), False or not (True) and False]
for e, v in zip(exprs, values):
    print(e, "=", v)

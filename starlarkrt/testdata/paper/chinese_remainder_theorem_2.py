max_limit = 1126841
divisors = [59, 71, 269]
remainders = [54, 22, 116]
ret = find_number(max_limit, divisors, remainders)
ans = ret

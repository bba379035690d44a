max_limit = 399839
divisors = [11, 163, 223]
remainders = [7, 141, 144]
ret = find_number(max_limit, divisors, remainders)
ans = ret

def find_number(max_limit, divisors, remainders):
    for num in range(max_limit + 1):
        if all((num - remainder) % divisor == 0 for divisor, remainder in zip(divisors, remainders)):
            return num
    return None

# Python writes floats below 1e16 without an exponent, and inf without a sign.
print(1234567.0, 123456789.0, 2.5e6, float("inf"), -float("inf"))

def fmt_money(x):
    return "${:,.2f}".format(x)

for x in [0, 5, 1234.5, 1000000, 99.999, 0.125]:
    print(fmt_money(x))
print("{:.1f}%".format(25.6))
print("{:>10.3f}|{:<8d}|{:^7}".format(3.14159, 42, "mid"))

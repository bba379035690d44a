# want: error:Exceeds the limit (4300 digits)
# A million-digit integer literal: conversion is quadratic; Python refuses literals over 4300 digits.
def main():
    return 1@@REPEAT(1000000,0)@@ > 0

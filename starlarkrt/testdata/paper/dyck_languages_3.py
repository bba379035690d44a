input_str = "<((([{}])"
ret = complete_sequence(input_str)
ans = ret

def valid_sudoku_row(row):
    digits = [c for c in row if c != "."]
    return len(digits) == len(set(digits))

rows = ["53..7....", "6..195...", ".98....6.", "5.5......"]
print([valid_sudoku_row(r) for r in rows])

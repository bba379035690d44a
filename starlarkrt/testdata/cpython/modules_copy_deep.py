import copy

board = [[0] * 3 for _ in range(3)]
snapshot = copy.deepcopy(board)
board[1][1] = 5
print(board[1], snapshot[1])
shallow = copy.copy(board)
board[0][0] = 7
print(shallow[0][0], snapshot[0][0])
shallow.append([9])
print(len(board), len(shallow))

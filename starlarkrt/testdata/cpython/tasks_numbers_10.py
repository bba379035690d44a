def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]

def matpow(m, n):
    result = [[1, 0], [0, 1]]
    while n:
        if n & 1:
            result = matmul(result, m)
        m = matmul(m, m)
        n >>= 1
    return result

print(matpow([[1, 1], [1, 0]], 90)[0][1])
print(matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]))

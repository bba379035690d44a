def topo(graph):
    order, state = [], {}
    def visit(n):
        if state.get(n) == 2:
            return True
        if state.get(n) == 1:
            return False
        state[n] = 1
        for m in graph.get(n, []):
            if not visit(m):
                return False
        state[n] = 2
        order.append(n)
        return True
    for n in sorted(graph):
        if not visit(n):
            return None
    return order[::-1]

print(" ".join(topo({"shirt": ["tie"], "tie": ["jacket"], "pants": ["shoes", "belt"], "belt": ["jacket"]})))
print(topo({"a": ["b"], "b": ["a"]}))

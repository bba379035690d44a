package collections

import (
	"sync"
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

// TestFrozenSharedValues: a tool's module-level Counter, deque and
// defaultdict are frozen and shared by concurrent calls; reading them,
// combining them and calling their methods from many calls at once must
// not race (run with -race), and a frozen defaultdict refuses to insert.
func TestFrozenSharedValues(t *testing.T) {
	g, err := libtest.Exec(t, "load.star", `
C = collections.Counter("abracadabra")
Q = collections.deque([1, 2, 3])
D = collections.defaultdict(int, {"a": 1})
`, 0, libtest.Modules(Module))
	if err != nil {
		t.Fatal(err)
	}
	g.Freeze()
	pre := libtest.Modules(Module)
	for k, v := range g {
		pre[k] = v
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := libtest.Exec(t, "call.star", `
for _ in range(50):
    s = C + C
    m = C.most_common(2)
    e = C == C
    n = Q + Q
    h = 2 in Q
    x = D["a"] + D.get("b", 0)
    u = D | {"z": 1}
assert.eq(s["a"], 10)
assert.eq(n, collections.deque([1, 2, 3, 1, 2, 3]))
assert.eq(u["z"], 1)
assert.fails(lambda: D["missing"], "frozen")
assert.fails(lambda: Q.append(4), "frozen")
`, 0, pre)
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

package copy

import (
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) {
	pre := libtest.Modules(Module)
	pre["struct"] = starlark.NewBuiltin("struct", starlarkstruct.Make)
	libtest.RunScripts(t, pre)
}

func TestFrozenCopiesAreMutable(t *testing.T) {
	g, err := libtest.Exec(t, "load.star", "consts = {\"xs\": [1, 2]}\n", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.Freeze()
	pre := libtest.Modules(Module)
	pre["consts"] = g["consts"]
	if _, err := libtest.Exec(t, "call.star", `
c = copy.deepcopy(consts)
c["xs"].append(3)
assert.eq(c, {"xs": [1, 2, 3]})
s = copy.copy(consts)
s["new"] = 1
`, 0, pre); err != nil {
		t.Fatal(err)
	}
}

func TestLimits(t *testing.T) {
	libtest.WantStepLimit(t, `copy.deepcopy([[i] for i in range(1)] * 200000)`, Module)
	_, err := libtest.Exec(t, "deep.star", `
x = []
for i in range(5000):
    x = [x]
copy.deepcopy(x)
`, 0, libtest.Modules(Module))
	if err == nil || !contains(err.Error(), "depth") {
		t.Fatalf("deepcopy of a value nested 5000 deep: got %v, want the depth limit", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

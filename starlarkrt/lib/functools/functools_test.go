package functools

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

func TestStepLimit(t *testing.T) {
	libtest.WantStepLimit(t, `functools.reduce(max, range(1000000))`, Module)
}

// TestFrozenCacheIsPerThread checks that a cached global, frozen after its
// program loads, still memoises within each later call and shares nothing
// between calls.
func TestFrozenCacheIsPerThread(t *testing.T) {
	g, err := libtest.Exec(t, "load.star", `
calls = []
def slow(n):
    return n * n
f = functools.cache(slow)
`, 0, libtest.Modules(Module))
	if err != nil {
		t.Fatal(err)
	}
	g.Freeze()
	for range 2 {
		call, err := libtest.Exec(t, "call.star", `
r = [f(3), f(3), f(4)]
info = f.cache_info()
`, 0, starlark.StringDict{"f": g["f"]})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := call["info"].String(), "(1, 2, None, 2)"; got != want {
			t.Errorf("cache_info() = %s, want %s (a fresh cache per call)", got, want)
		}
	}
}

package collections

import (
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

// TestStepLimit checks that each Go loop of the module charges its work:
// every program here runs a handful of bytecode steps and millions of
// steps of Go work, so only the module's own charges can stop it.
func TestStepLimit(t *testing.T) {
	for _, src := range []string{
		`collections.Counter(range(1000000))`,
		`collections.Counter(a=1000000).elements()`,
		`c = collections.Counter(range(200000)); c + c`,
		`c = collections.Counter(range(200000)); c == c.copy()`,
		`collections.deque(range(1000000))`,
		`q = collections.deque(range(100000)); [q.rotate(1) for _ in range(5)]`,
		`collections.defaultdict(int).update(zip(range(200000), range(200000)))`,
	} {
		libtest.WantStepLimit(t, src, Module)
	}
}

package bisect

import (
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

func TestStepLimit(t *testing.T) {
	libtest.WantStepLimit(t, `
a = list(range(300000))
for i in range(400):
    bisect.insort_left(a, 0)
`, Module)
}

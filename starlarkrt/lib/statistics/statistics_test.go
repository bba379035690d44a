package statistics

import (
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

func TestStepLimit(t *testing.T) {
	for _, src := range []string{
		`statistics.mean(range(1000000))`,
		`statistics.median(range(1000000))`,
		`statistics.mode(range(1000000))`,
		`statistics.stdev(range(1000000))`,
	} {
		libtest.WantStepLimit(t, src, Module)
	}
}

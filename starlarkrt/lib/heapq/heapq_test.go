package heapq

import (
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

func TestStepLimit(t *testing.T) {
	for _, src := range []string{
		`heapq.heapify(list(range(1000000, 0, -1)))`,
		`heapq.nlargest(3, range(1000000))`,
		`heapq.merge(range(300000), range(300000))`,
	} {
		libtest.WantStepLimit(t, src, Module)
	}
}

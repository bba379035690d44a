package operator

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

func TestStepLimit(t *testing.T) {
	libtest.WantStepLimit(t, `operator.countOf(range(1000000), -1)`, Module)
}

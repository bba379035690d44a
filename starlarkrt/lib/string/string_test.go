package string

import (
	"testing"

	"github.com/latm/latm/starlarkrt/lib/internal/libtest"
)

func TestScripts(t *testing.T) { libtest.RunScripts(t, libtest.Modules(Module)) }

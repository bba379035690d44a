package starlarkrt

import (
	"context"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/lib/math"
)

// A host chooses the modules: one it leaves out cannot be imported (and the
// error lists what can), one of its own can be.
func TestOptionsModules(t *testing.T) {
	t.Parallel()
	own := &starlarkstruct.Module{Name: "host", Members: starlark.StringDict{"answer": starlark.MakeInt(42)}}
	rt := New(Options{Modules: map[string]*starlarkstruct.Module{"math": math.Module, "host": own}})
	defer rt.Close()
	ctx := context.Background()
	res, err := rt.Call(ctx, Source{Name: "t.py", Code: "import math\nimport host\ndef f():\n    return math.gcd(12, 18) + host.answer\n"}, "f", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Value, int64(48); got != want {
		t.Errorf("f() = %v, want %v", got, want)
	}
	_, err = rt.Call(ctx, Source{Name: "u.py", Code: "import re\ndef f():\n    return 1\n"}, "f", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "module 're' is not available; available modules: host, math") {
		t.Errorf("import re without re: %v, want it not available, naming host and math", err)
	}

	none := New(Options{Modules: map[string]*starlarkstruct.Module{}})
	defer none.Close()
	if _, err := none.Call(ctx, Source{Name: "v.py", Code: "import math\ndef f():\n    return 1\n"}, "f", nil, nil); err == nil {
		t.Error("import math with no modules succeeded")
	}
	// The default is the standard set.
	def := New(Options{})
	defer def.Close()
	if got, want := moduleNames(def.eng.mods), moduleNames(StandardModules()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("default modules %v, want %v", got, want)
	}
}

// A worker process builds its modules by name: a subset of the standard
// ones works there, a host's own module is refused with a clear error.
func TestOptionsModulesSubprocess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := New(Options{Isolation: Subprocess, Workers: 1, Modules: map[string]*starlarkstruct.Module{"math": math.Module}})
	defer rt.Close()
	src := Source{Name: "t.py", Code: "import math\ndef f():\n    return math.gcd(12, 18)\n"}
	if res, err := rt.Call(ctx, src, "f", nil, nil); err != nil || res.Value != int64(6) {
		t.Fatalf("f() = %v, %v; want 6", res, err)
	}
	_, err := rt.Call(ctx, Source{Name: "u.py", Code: "import json\ndef f():\n    return 1\n"}, "f", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "available modules: math") {
		t.Errorf("import json in a worker without json: %v", err)
	}
	own := &starlarkstruct.Module{Name: "host", Members: starlark.StringDict{}}
	bad := New(Options{Isolation: Subprocess, Modules: map[string]*starlarkstruct.Module{"host": own}})
	defer bad.Close()
	if _, err := bad.Call(ctx, src, "f", nil, nil); err == nil || !strings.Contains(err.Error(), `module "host" is not the standard module`) {
		t.Errorf("a host module in Subprocess isolation: %v, want it refused", err)
	}
}

// The Starlark dialect is go.starlark.net's, unrewritten: modules are
// predeclared, Python's import and builtins are not there.
func TestOptionsDialectStarlark(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			t.Parallel()
			rt := New(Options{Dialect: Starlark, Isolation: is.iso, Workers: 1})
			defer rt.Close()
			res, err := rt.Call(ctx, Source{Name: "t.star", Code: "def f(n):\n    return math.gcd(n, 18) + len([c for c in 'ab'.elems()])\n"}, "f", []any{int64(12)}, nil)
			if err != nil || res.Value != int64(8) {
				t.Fatalf("f(12) = %v, %v; want 8", res, err)
			}
			for _, code := range []string{
				"import math\ndef f():\n    return 1\n", // Python's import
				"def f():\n    return sum([1, 2])\n",    // a Python builtin
				"def f():\n    return 2 ** 3\n",         // a Python operator
			} {
				if _, err := rt.Call(ctx, Source{Name: "u.star", Code: code}, "f", nil, nil); err == nil {
					t.Errorf("%q ran in the Starlark dialect", code)
				}
			}
		})
	}
	if got := Starlark.String(); got != "starlark" {
		t.Errorf("Starlark.String() = %q", got)
	}
}

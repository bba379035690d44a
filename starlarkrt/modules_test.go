package starlarkrt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/modtest"
)

// testFileOptions is the dialect the module tests need, independent of the
// package's own dialect.
var testFileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// newTestThread returns a thread whose call allows maxSteps steps (0: no
// limit), as the runtime sets it up.
func newTestThread(maxSteps uint64) *starlark.Thread {
	return modtest.Thread(maxSteps, 0)
}

// moduleEnv returns the modules as predeclared names.
func moduleEnv() starlark.StringDict {
	env := starlark.StringDict{}
	for name, m := range modules() {
		env[name] = m
	}
	return env
}

// execModules runs src with the modules predeclared and returns its globals.
func execModules(th *starlark.Thread, src string) (starlark.StringDict, error) {
	return starlark.ExecFileOptions(testFileOptions, th, "test.star", src, moduleEnv())
}

// evalModules evaluates one expression with the modules predeclared.
func evalModules(expr string) (starlark.Value, error) {
	g, err := execModules(newTestThread(0), "x = "+expr+"\n")
	if err != nil {
		return nil, err
	}
	return g["x"], nil
}

// exprCase is an expression and the Starlark repr of its value (as Python
// prints it, where the two agree).
type exprCase struct{ expr, want string }

func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, c := range cases {
		v, err := evalModules(c.expr)
		if err != nil {
			t.Errorf("%s: unexpected error: %v", c.expr, err)
			continue
		}
		if got := v.String(); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}

// errCase is an expression that must fail with an error containing want.
type errCase struct{ expr, want string }

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		v, err := evalModules(c.expr)
		if err == nil {
			t.Errorf("%s = %v, want error containing %q", c.expr, v, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.expr, err, c.want)
		}
	}
}

// wantStepLimit runs src under a step limit and checks it stops with the
// steps limit error rather than finishing, without running far past it.
func wantStepLimit(t *testing.T, src string, maxSteps uint64) {
	t.Helper()
	th := newTestThread(maxSteps)
	_, err := execModules(th, src)
	if err == nil {
		t.Fatalf("%q finished under a %d-step limit, want a steps limit error", src, maxSteps)
	}
	var le *LimitError
	if !errors.As(err, &le) && !strings.Contains(err.Error(), "steps") {
		t.Fatalf("%q: error %v, want a steps limit error", src, err)
	}
	if th.Steps > 4*maxSteps {
		t.Errorf("%q: ran %d steps under a %d-step limit", src, th.Steps, maxSteps)
	}
}

func TestModulesNames(t *testing.T) {
	for _, name := range []string{"math", "json", "re", "itertools", "datetime"} {
		m, ok := modules()[name]
		if !ok || m.Name != name {
			t.Errorf("modules()[%q] = %v, want a module named %q", name, m, name)
		}
	}
}

// TestModulesThroughRuntime runs Python-style tools that import the modules
// through the runtime (dialect, limits) rather than predeclaring them.
func TestModulesThroughRuntime(t *testing.T) {
	rt := New(Options{Isolation: InProcess, Limits: Limits{MaxSteps: 100000}})
	defer rt.Close()
	src := Source{Name: "mods.star", Code: `import math
import re
import json
from itertools import permutations
from datetime import datetime, timedelta

def f(s):
    d = datetime.strptime(s, "%Y-%m-%d") + timedelta(days=1)
    n = len(list(permutations("abc")))
    return json.dumps({"day": d.strftime("%d/%m/%Y"), "perms": n, "gcd": math.gcd(12, 18), "words": re.findall(r"\w+", "a b")})

def g():
    n = 0
    for p in permutations(range(12)):
        n += 1
    return n
`}
	res, err := rt.Call(context.Background(), src, "f", []any{"2023-12-31"}, nil)
	if err != nil {
		t.Fatalf("f: %v", err)
	}
	if got, want := res.Value, `{"day": "01/01/2024", "perms": 6, "gcd": 6, "words": ["a", "b"]}`; got != want {
		t.Errorf("f = %v, want %v", got, want)
	}
	start := time.Now()
	_, err = rt.Call(context.Background(), src, "g", nil, nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "steps" {
		t.Errorf("g over 12! permutations: err = %v, want the steps limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("g took %v to stop at the step limit", d)
	}
}

// Package libtest runs the Starlark test scripts of the module packages
// under starlarkrt/lib: each testdata/*.star file runs with the module
// predeclared under its name and go.starlark.net's assert module, and
// every failed assertion is a test error at its line.
package libtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/starlarktest"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// options is the dialect the runtime runs: sets, while, recursion, top-level
// control flow and global reassignment.
var options = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// RunScripts runs every testdata/*.star file of the calling package with
// predeclared (see Modules).
func RunScripts(t *testing.T, predeclared starlark.StringDict) {
	t.Helper()
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.star scripts (%v)", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".star"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Exec(t, f, string(src), 0, predeclared); err != nil {
				var ee *starlark.EvalError
				if errors.As(err, &ee) {
					t.Fatal(ee.Backtrace())
				}
				t.Fatal(err)
			}
		})
	}
}

// Modules returns the modules as predeclared names.
func Modules(mods ...*starlarkstruct.Module) starlark.StringDict {
	pre := starlark.StringDict{}
	for _, m := range mods {
		pre[m.Name] = m
	}
	return pre
}

// Exec runs src on a fresh thread with predeclared and assert, under a
// step limit (0: none) enforced as the runtime does, and returns its
// globals.
func Exec(t *testing.T, name, src string, maxSteps uint64, predeclared starlark.StringDict) (starlark.StringDict, error) {
	t.Helper()
	thread := &starlark.Thread{Name: name, Print: func(_ *starlark.Thread, msg string) { t.Log(msg) }}
	starlarktest.SetReporter(thread, t)
	st := &callstate.State{MaxSteps: maxSteps}
	callstate.Attach(thread, st)
	if maxSteps > 0 {
		thread.SetMaxExecutionSteps(maxSteps)
	}
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	pre := starlark.StringDict{"assert": assert["assert"]}
	for k, v := range predeclared {
		pre[k] = v
	}
	g, err := starlark.ExecFileOptions(options, thread, name, src, pre)
	if lim := st.Limit(); lim != nil {
		return g, lim
	}
	return g, err
}

// WantStepLimit runs src under a small step limit and fails unless it
// stops with the step limit: proof that the Go loops it reaches charge
// their work.
func WantStepLimit(t *testing.T, src string, mods ...*starlarkstruct.Module) {
	t.Helper()
	_, err := Exec(t, "limit.star", src, 100_000, Modules(mods...))
	var le *callstate.LimitError
	if !errors.As(err, &le) || le.Limit != "steps" {
		t.Fatalf("%s\ngot %v, want the step limit", src, err)
	}
}

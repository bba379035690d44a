// Package modtest runs Starlark snippets against module packages
// (starlarkrt/lib/<name>) in their tests, on threads set up as the runtime
// sets them up (a callstate.State attached), without the runtime itself.
package modtest

import (
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// FileOptions is the dialect module tests run under, independent of the
// runtime's own.
var FileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// Thread returns a thread whose call allows maxSteps steps (0: no limit)
// and maxMemory bytes (0: no limit), as the runtime sets it up.
func Thread(maxSteps uint64, maxMemory int64) *starlark.Thread {
	th := &starlark.Thread{Name: "test"}
	callstate.Attach(th, &callstate.State{MaxSteps: maxSteps, MaxMemory: maxMemory})
	if maxSteps > 0 {
		th.SetMaxExecutionSteps(maxSteps)
	}
	return th
}

// Env returns the modules as predeclared names.
func Env(mods ...*starlarkstruct.Module) starlark.StringDict {
	env := starlark.StringDict{}
	for _, m := range mods {
		env[m.Name] = m
	}
	return env
}

// Exec runs src with env predeclared and returns its globals.
func Exec(th *starlark.Thread, env starlark.StringDict, src string) (starlark.StringDict, error) {
	return starlark.ExecFileOptions(FileOptions, th, "test.star", src, env)
}

// Eval evaluates one expression with env predeclared.
func Eval(env starlark.StringDict, expr string) (starlark.Value, error) {
	g, err := Exec(Thread(0, 0), env, "x = "+expr+"\n")
	if err != nil {
		return nil, err
	}
	return g["x"], nil
}

// Values checks cases of {expression, the Starlark repr of its value}.
func Values(t *testing.T, env starlark.StringDict, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		v, err := Eval(env, c[0])
		if err != nil {
			t.Errorf("%s: unexpected error: %v", c[0], err)
			continue
		}
		if got := v.String(); got != c[1] {
			t.Errorf("%s = %s, want %s", c[0], got, c[1])
		}
	}
}

// Errors checks cases of {expression, a part of the error it must fail with}.
func Errors(t *testing.T, env starlark.StringDict, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		v, err := Eval(env, c[0])
		if err == nil {
			t.Errorf("%s = %v, want error containing %q", c[0], v, c[1])
			continue
		}
		if !strings.Contains(err.Error(), c[1]) {
			t.Errorf("%s: error %q, want it to contain %q", c[0], err, c[1])
		}
	}
}

// StepLimit runs src under a step limit and checks it stops with the steps
// limit error rather than finishing, without running far past it.
func StepLimit(t *testing.T, env starlark.StringDict, src string, maxSteps uint64) {
	t.Helper()
	th := Thread(maxSteps, 0)
	_, err := Exec(th, env, src)
	if err == nil {
		t.Fatalf("%q finished under a %d-step limit, want a steps limit error", src, maxSteps)
	}
	var le *callstate.LimitError
	if !errors.As(err, &le) && !strings.Contains(err.Error(), "steps") {
		t.Fatalf("%q: error %v, want a steps limit error", src, err)
	}
	if th.Steps > 4*maxSteps {
		t.Errorf("%q: ran %d steps under a %d-step limit", src, th.Steps, maxSteps)
	}
}

// Limit runs src on th and checks it fails with the named limit error
// (as a *LimitError or, from inside the interpreter, by its message).
func Limit(t *testing.T, th *starlark.Thread, env starlark.StringDict, src, limit string) {
	t.Helper()
	_, err := Exec(th, env, src)
	if err == nil {
		t.Fatalf("%q finished, want a %s limit error", src, limit)
	}
	var le *callstate.LimitError
	if errors.As(err, &le) {
		if le.Limit != limit {
			t.Fatalf("%q: %v, want a %s limit error", src, err, limit)
		}
		return
	}
	if !strings.Contains(err.Error(), "limit exceeded: "+limit) {
		t.Fatalf("%q: error %v, want a %s limit error", src, err, limit)
	}
}

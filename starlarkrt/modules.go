package starlarkrt

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"github.com/latm/latm/starlarkrt/lib/math"
)

// modules returns the deterministic modules programs may import, by name:
// math, json, re, itertools and datetime. They follow Python's semantics
// where feasible (each package says where they differ), never read the
// clock, randomness, files or the environment, and charge the work they do
// inside Go against the call's limits through callstate.
func modules() map[string]*starlarkstruct.Module {
	return map[string]*starlarkstruct.Module{
		"math":      math.Module,
		"json":      jsonModule(),
		"re":        reModule(),
		"itertools": itertoolsModule(),
		"datetime":  datetimeModule(),
	}
}

// builtinFunc is the signature of a Go function exposed to Starlark.
type builtinFunc = callstate.Builtin

func chargeSteps(thread *starlark.Thread, n uint64) error { return callstate.ChargeSteps(thread, n) }
func chargeBytes(thread *starlark.Thread, n int) error    { return callstate.ChargeBytes(thread, n) }
func iterate(thread *starlark.Thread, fname string, v starlark.Value, fn func(starlark.Value) error) error {
	return callstate.Iterate(thread, fname, v, fn)
}
func collect(thread *starlark.Thread, fname string, v starlark.Value) ([]starlark.Value, error) {
	return callstate.Collect(thread, fname, v)
}
func chars(s string) starlark.Tuple { return callstate.Chars(s) }

package starlarkrt

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// modules returns the deterministic modules programs may import, by name:
// math, json, re, itertools and datetime. They follow Python's semantics
// where feasible (each file says where they differ), never read the clock,
// randomness, files or the environment, and charge the work they do inside
// Go against the call's step limit through chargeSteps.
func modules() map[string]*starlarkstruct.Module {
	return map[string]*starlarkstruct.Module{
		"math":      mathModule(),
		"json":      jsonModule(),
		"re":        reModule(),
		"itertools": itertoolsModule(),
		"datetime":  datetimeModule(),
	}
}

// builtinFunc is the signature of a Go function exposed to Starlark.
type builtinFunc = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// chargeBytes charges one step per 64 bytes (at least one) of input a
// builtin processes.
func chargeBytes(thread *starlark.Thread, n int) error {
	return chargeSteps(thread, uint64(n/64+1))
}

// iterate calls fn on each element of an iterable, charging one step per
// element. Strings iterate over their characters, as in Python.
func iterate(thread *starlark.Thread, fname string, v starlark.Value, fn func(starlark.Value) error) error {
	if s, ok := v.(starlark.String); ok {
		v = chars(string(s))
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return fmt.Errorf("%s: got %s, want an iterable (list, tuple, string, range, dict, set)", fname, v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		if err := chargeSteps(thread, 1); err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	if err, ok := iter.(interface{ Err() error }); ok {
		if e := err.Err(); e != nil {
			return e
		}
	}
	return nil
}

// collect returns the elements of an iterable as a slice, charging one step
// per element.
func collect(thread *starlark.Thread, fname string, v starlark.Value) ([]starlark.Value, error) {
	var out []starlark.Value
	if l, ok := v.(starlark.Sequence); ok {
		out = make([]starlark.Value, 0, l.Len())
	}
	err := iterate(thread, fname, v, func(x starlark.Value) error {
		out = append(out, x)
		return nil
	})
	return out, err
}

// chars returns the characters (code points) of s as one-character strings.
func chars(s string) starlark.Tuple {
	out := make(starlark.Tuple, 0, len(s))
	for _, r := range s {
		out = append(out, starlark.String(string(r)))
	}
	return out
}

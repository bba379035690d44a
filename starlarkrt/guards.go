package starlarkrt

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Guarded versions of universe builtins whose work the interpreter does in
// one uninterruptible step: turning a value into text (str, repr, print)
// and a string into an integer (int). Each checks its arguments first
// (callstate.CheckPrintable: elements charged as steps, nesting bounded,
// integers within Python's 4300 digits), then calls the original, so that
// every valid program keeps its meaning and its result.
func guardedUniverse() starlark.StringDict {
	d := starlark.StringDict{}
	for _, name := range []string{"str", "repr", "print"} {
		orig := starlark.Universe[name].(*starlark.Builtin)
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			for _, a := range args {
				if err := checkPrintable(thread, name, a); err != nil {
					return nil, err
				}
			}
			return starlark.Call(thread, orig, args, kwargs)
		})
	}
	intOrig := starlark.Universe["int"].(*starlark.Builtin)
	d["int"] = starlark.NewBuiltin("int", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			if s, ok := args[0].(starlark.String); ok && len(s) > callstate.MaxIntDigits && !powerOfTwoBase(args, kwargs) {
				if n := digitsIn(string(s)); n > callstate.MaxIntDigits {
					return nil, &callstate.IntDigitsError{Digits: n}
				}
			}
		}
		return starlark.Call(thread, intOrig, args, kwargs)
	})
	return d
}

// checkPrintable is callstate.CheckPrintable with the builtin's name on
// an integer conversion error.
func checkPrintable(thread *starlark.Thread, fname string, v starlark.Value) error {
	err := callstate.CheckPrintable(thread, v)
	if de, ok := err.(*callstate.IntDigitsError); ok {
		return fmt.Errorf("%s: %w", fname, de)
	}
	return err
}

// powerOfTwoBase reports whether int's base argument is 2, 4, 8, 16 or 32
// (conversion linear in the digits, which Python does not limit).
func powerOfTwoBase(args starlark.Tuple, kwargs []starlark.Tuple) bool {
	var base starlark.Value
	if len(args) > 1 {
		base = args[1]
	}
	for _, kv := range kwargs {
		if k, _ := starlark.AsString(kv[0]); k == "base" {
			base = kv[1]
		}
	}
	b, ok := base.(starlark.Int)
	if !ok {
		return false
	}
	n, _ := b.Int64()
	return n == 2 || n == 4 || n == 8 || n == 16 || n == 32
}

// Package bisect is Python's bisect module for latm's sandbox:
// bisect_left, bisect_right (bisect), insort_left and insort_right
// (insort), with lo, hi and key as in Python 3.10. Each comparison charges
// one step; an insort also charges the elements it shifts.
package bisect

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the bisect module.
var Module = &starlarkstruct.Module{
	Name: "bisect",
	Members: starlark.StringDict{
		"bisect_left":  starlark.NewBuiltin("bisect_left", search(false, false)),
		"bisect_right": starlark.NewBuiltin("bisect_right", search(true, false)),
		"bisect":       starlark.NewBuiltin("bisect", search(true, false)),
		"insort_left":  starlark.NewBuiltin("insort_left", search(false, true)),
		"insort_right": starlark.NewBuiltin("insort_right", search(true, true)),
		"insort":       starlark.NewBuiltin("insort", search(true, true)),
	},
}

// search returns bisect_left/right or, with insert, insort_left/right.
func search(right, insert bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var av, x starlark.Value
		var key starlark.Value = starlark.None
		lo := 0
		var hiV starlark.Value = starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &av, "x", &x, "lo?", &lo, "hi?", &hiV, "key?", &key); err != nil {
			return nil, err
		}
		a, ok := av.(starlark.Indexable)
		if !ok {
			return nil, fmt.Errorf("%s: got %s, want a sequence (a list)", b.Name(), av.Type())
		}
		if lo < 0 {
			return nil, fmt.Errorf("lo must be non-negative")
		}
		hi := a.Len()
		if hiV != starlark.None {
			if err := starlark.AsInt(hiV, &hi); err != nil {
				return nil, fmt.Errorf("%s: hi must be an int or None, got %s", b.Name(), hiV.Type())
			}
			hi = min(hi, a.Len())
		}
		target := x
		if insert && key != starlark.None {
			// insort applies key to x as well; bisect compares x as given.
			var err error
			if target, err = starlark.Call(thread, key, starlark.Tuple{x}, nil); err != nil {
				return nil, err
			}
		}
		for lo < hi {
			if err := callstate.ChargeSteps(thread, 1); err != nil {
				return nil, err
			}
			mid := (lo + hi) / 2
			v := a.Index(mid)
			if key != starlark.None {
				var err error
				if v, err = starlark.Call(thread, key, starlark.Tuple{v}, nil); err != nil {
					return nil, err
				}
			}
			var goLeft bool
			var err error
			if right {
				goLeft, err = starlark.Compare(syntax.LT, target, v)
			} else {
				var vLess bool
				vLess, err = starlark.Compare(syntax.LT, v, target)
				goLeft = !vLess
			}
			if err != nil {
				return nil, err
			}
			if goLeft {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		if !insert {
			return starlark.MakeInt(lo), nil
		}
		l, ok := av.(*starlark.List)
		if !ok {
			return nil, fmt.Errorf("%s: got %s, want a list", b.Name(), av.Type())
		}
		if err := callstate.ChargeSteps(thread, uint64(l.Len()-lo)); err != nil {
			return nil, err
		}
		ins, err := l.Attr("insert")
		if err != nil {
			return nil, err
		}
		if _, err := starlark.Call(thread, ins, starlark.Tuple{starlark.MakeInt(lo), x}, nil); err != nil {
			return nil, err
		}
		return starlark.None, nil
	}
}

package itertools

// islice, accumulate, groupby and the other iterators over one input.

import (
	"fmt"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// itIslice is islice(iterable, stop) or islice(iterable, start, stop[, step]).
func itIslice(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 || len(args) < 2 || len(args) > 4 {
		return nil, fmt.Errorf("islice: want islice(iterable, stop) or islice(iterable, start, stop[, step])")
	}
	src := args[0]
	if _, err := iterOf("islice", src); err != nil {
		return nil, err
	}
	start, stop, step := 0, -1, 1
	num := func(what string, v starlark.Value, dst *int, noneOK bool) error {
		if v == starlark.None && noneOK {
			return nil
		}
		if err := starlark.AsInt(v, dst); err != nil || *dst < 0 {
			return fmt.Errorf("islice: %s must be None or a non-negative int, got %v", what, v)
		}
		return nil
	}
	var err error
	if len(args) == 2 {
		err = num("stop", args[1], &stop, true)
	} else {
		err = num("start", args[1], &start, true)
		if err == nil {
			err = num("stop", args[2], &stop, true)
		}
		if err == nil && len(args) == 4 {
			err = num("step", args[3], &step, true)
			if err == nil && step == 0 {
				err = fmt.Errorf("islice: step must be at least 1")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return lazy(thread, "islice", func() func() (starlark.Value, bool) {
		in, _ := iterOf("islice", src)
		i, next := 0, start
		return func() (starlark.Value, bool) {
			var v starlark.Value
			for stop < 0 || next < stop {
				if !in.Next(&v) {
					return nil, false
				}
				i++
				if i-1 == next {
					next += step
					return v, true
				}
				if err := callstate.ChargeSteps(thread, 1); err != nil {
					return nil, false
				}
			}
			return nil, false
		}
	}), nil
}

// itAccumulate is accumulate(iterable, func=None, *, initial=None), as a list.
func itAccumulate(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it, fn, initial starlark.Value
	if err := starlark.UnpackArgs("accumulate", args, kwargs, "iterable", &it, "func?", &fn, "initial?", &initial); err != nil {
		return nil, err
	}
	var out []starlark.Value
	var acc starlark.Value
	if initial != nil && initial != starlark.None {
		acc = initial
		out = append(out, acc)
	}
	err := callstate.Iterate(thread, "accumulate", it, func(x starlark.Value) error {
		if acc == nil {
			acc = x
		} else {
			var err error
			if fn == nil || fn == starlark.None {
				acc, err = starlark.Binary(syntax.PLUS, acc, x)
			} else {
				acc, err = starlark.Call(thread, fn, starlark.Tuple{acc, x}, nil)
			}
			if err != nil {
				return fmt.Errorf("accumulate: %w", err)
			}
		}
		out = append(out, acc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return starlark.NewList(out), nil
}

// itGroupby is groupby(iterable, key=None): a list of (key, list) pairs of
// consecutive elements with equal keys.
func itGroupby(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it, key starlark.Value
	if err := starlark.UnpackArgs("groupby", args, kwargs, "iterable", &it, "key?", &key); err != nil {
		return nil, err
	}
	var out []starlark.Value
	var curKey starlark.Value
	var cur []starlark.Value
	flush := func() {
		if cur != nil {
			out = append(out, starlark.Tuple{curKey, starlark.NewList(cur)})
		}
	}
	err := callstate.Iterate(thread, "groupby", it, func(x starlark.Value) error {
		k := x
		if key != nil && key != starlark.None {
			var err error
			if k, err = starlark.Call(thread, key, starlark.Tuple{x}, nil); err != nil {
				return fmt.Errorf("groupby: key: %w", err)
			}
		}
		if cur != nil {
			eq, err := starlark.Equal(curKey, k)
			if err != nil {
				return fmt.Errorf("groupby: %w", err)
			}
			if eq {
				cur = append(cur, x)
				return nil
			}
		}
		flush()
		curKey, cur = k, []starlark.Value{x}
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	return starlark.NewList(out), nil
}

// itZipLongest is zip_longest(*iterables, fillvalue=None), as a list.
func itZipLongest(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fill starlark.Value = starlark.None
	if err := starlark.UnpackArgs("zip_longest", nil, kwargs, "fillvalue?", &fill); err != nil {
		return nil, err
	}
	cols := make([][]starlark.Value, len(args))
	longest := 0
	for i, a := range args {
		c, err := callstate.Collect(thread, "zip_longest", a)
		if err != nil {
			return nil, err
		}
		cols[i] = c
		longest = max(longest, len(c))
	}
	out := make([]starlark.Value, longest)
	for j := range out {
		t := make(starlark.Tuple, len(cols))
		for i, c := range cols {
			if j < len(c) {
				t[i] = c[j]
			} else {
				t[i] = fill
			}
		}
		out[j] = t
	}
	return starlark.NewList(out), nil
}

// itPairwise is pairwise(iterable), as a list of tuples.
func itPairwise(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Value
	if err := starlark.UnpackPositionalArgs("pairwise", args, kwargs, 1, &it); err != nil {
		return nil, err
	}
	xs, err := callstate.Collect(thread, "pairwise", it)
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	for i := 1; i < len(xs); i++ {
		out = append(out, starlark.Tuple{xs[i-1], xs[i]})
	}
	return starlark.NewList(out), nil
}

// itStarmap is starmap(function, iterable), as a list.
func itStarmap(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn, it starlark.Value
	if err := starlark.UnpackPositionalArgs("starmap", args, kwargs, 2, &fn, &it); err != nil {
		return nil, err
	}
	var out []starlark.Value
	err := callstate.Iterate(thread, "starmap", it, func(x starlark.Value) error {
		fargs, err := callstate.Collect(thread, "starmap", x)
		if err != nil {
			return err
		}
		v, err := starlark.Call(thread, fn, fargs, nil)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return starlark.NewList(out), nil
}

// itWhile is takewhile(predicate, iterable) (take) or dropwhile, as a list.
func itWhile(take bool) callstate.Builtin {
	name := "dropwhile"
	if take {
		name = "takewhile"
	}
	return func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var pred, it starlark.Value
		if err := starlark.UnpackPositionalArgs(name, args, kwargs, 2, &pred, &it); err != nil {
			return nil, err
		}
		var out []starlark.Value
		switching := true
		errStop := fmt.Errorf("stop")
		err := callstate.Iterate(thread, name, it, func(x starlark.Value) error {
			if switching {
				v, err := starlark.Call(thread, pred, starlark.Tuple{x}, nil)
				if err != nil {
					return err
				}
				if v.Truth() {
					if take {
						out = append(out, x)
					}
					return nil
				}
				switching = false
				if take {
					return errStop
				}
			}
			out = append(out, x)
			return nil
		})
		if err != nil && err != errStop {
			return nil, err
		}
		return starlark.NewList(out), nil
	}
}

// itFilterfalse is filterfalse(predicate, iterable), as a list.
func itFilterfalse(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pred, it starlark.Value
	if err := starlark.UnpackPositionalArgs("filterfalse", args, kwargs, 2, &pred, &it); err != nil {
		return nil, err
	}
	var out []starlark.Value
	err := callstate.Iterate(thread, "filterfalse", it, func(x starlark.Value) error {
		keep := !x.Truth()
		if pred != starlark.None {
			v, err := starlark.Call(thread, pred, starlark.Tuple{x}, nil)
			if err != nil {
				return err
			}
			keep = !v.Truth()
		}
		if keep {
			out = append(out, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return starlark.NewList(out), nil
}

// itCompress is compress(data, selectors), as a list.
func itCompress(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var data, sel starlark.Value
	if err := starlark.UnpackArgs("compress", args, kwargs, "data", &data, "selectors", &sel); err != nil {
		return nil, err
	}
	d, err := callstate.Collect(thread, "compress", data)
	if err != nil {
		return nil, err
	}
	s, err := callstate.Collect(thread, "compress", sel)
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	for i := 0; i < len(d) && i < len(s); i++ {
		if s[i].Truth() {
			out = append(out, d[i])
		}
	}
	return starlark.NewList(out), nil
}

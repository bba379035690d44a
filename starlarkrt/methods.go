package starlarkrt

// Python methods Starlark lacks (list.sort, list.count, str.zfill, …),
// reached through latm.method, the target of the dialect's rewrite of a
// method call.

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"go.starlark.net/starlark"
)

// latmMethod is latm.method(recv, name, *args, **kwargs): recv.name(...)
// when recv has that method, else the Python method Starlark lacks for
// recv's type (list.sort, list.count, str.zfill, …), else the usual
// "has no field or method" error.
func latmMethod(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: want receiver and method name", methodName)
	}
	recv := args[0]
	name, _ := starlark.AsString(args[1])
	rest := args[2:]
	if set, ok := recv.(*starlark.Set); ok && len(rest) == 0 && len(kwargs) == 0 {
		// go.starlark.net dereferences nil for these without an argument.
		switch name {
		case "difference", "intersection":
			return setCopy(thread, set, nil, nil) // Python: a copy
		case "issubset", "issuperset", "symmetric_difference":
			return nil, fmt.Errorf("%s: want 1 argument, got 0", name)
		}
	}
	if err := guardMethod(thread, recv, name, rest, kwargs); err != nil {
		return nil, err
	}
	if ha, ok := recv.(starlark.HasAttrs); ok {
		if m, err := ha.Attr(name); err == nil && m != nil {
			v, err := starlark.Call(thread, m, rest, kwargs)
			if s, isStr := recv.(starlark.String); err != nil && isStr && name == "format" {
				// Starlark rejected the format (a spec, an index): valid
				// Starlark fails here, so Python's rules may take over.
				return pyFormat(thread, string(s), rest, kwargs)
			}
			return v, err
		}
	}
	if impl, ok := pyMethods[recv.Type()+"."+name]; ok {
		return impl(thread, recv, rest, kwargs)
	}
	// The standard "has no .name field or method" error.
	return starlark.Call(thread, starlark.Universe["getattr"], starlark.Tuple{recv, starlark.String(name)}, nil)
}

type pyMethod func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// pyMethods are the methods Python has and Starlark lacks, by
// "<starlark type>.<name>".
var pyMethods = map[string]pyMethod{
	"list.sort":      listSort,
	"tuple.count":    tupleCount,
	"tuple.index":    tupleIndex,
	"list.count":     listCount,
	"list.copy":      listCopy,
	"list.reverse":   listReverse,
	"dict.copy":      dictCopy,
	"set.copy":       setCopy,
	"set.isdisjoint": setIsdisjoint,
	"string.zfill":   strZfill,
	"string.ljust":   justifier("ljust"),
	"string.rjust":   justifier("rjust"),
	"string.center":  justifier("center"),
	"string.isnumeric": func(_ *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return strAll(recv, "isnumeric", args, kwargs, unicode.IsNumber)
	},
	"string.isdecimal": func(_ *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return strAll(recv, "isdecimal", args, kwargs, unicode.IsDigit)
	},
}

// listSort is list.sort(key=None, reverse=False), in place and stable.
func listSort(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	l := recv.(*starlark.List)
	if len(args) > 0 {
		return nil, errors.New("sort: takes no positional arguments; use sort(key=..., reverse=...)")
	}
	if err := callstate.ChargeSteps(thread, uint64(l.Len())); err != nil {
		return nil, err
	}
	sorted, err := starlark.Call(thread, starlark.Universe["sorted"], starlark.Tuple{l}, kwargs)
	if err != nil {
		return nil, fmt.Errorf("sort: %w", err)
	}
	s := sorted.(*starlark.List)
	for i := 0; i < s.Len(); i++ {
		if err := l.SetIndex(i, s.Index(i)); err != nil {
			return nil, fmt.Errorf("sort: %w", err)
		}
	}
	return starlark.None, nil
}

func listCount(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return seqCount(thread, recv.(*starlark.List), args, kwargs)
}

// seqCount is list.count(v) and tuple.count(v).
func seqCount(thread *starlark.Thread, l *starlark.List, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs("count", args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	n := 0
	for i := 0; i < l.Len(); i++ {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		eq, err := starlark.Equal(l.Index(i), v)
		if err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
		if eq {
			n++
		}
	}
	return starlark.MakeInt(n), nil
}

func tupleCount(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return seqCount(thread, starlark.NewList(recv.(starlark.Tuple)), args, kwargs)
}

// tupleIndex is tuple.index(v[, start[, end]]), as list.index.
func tupleIndex(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	l := starlark.NewList(recv.(starlark.Tuple))
	m, err := l.Attr("index")
	if err != nil {
		return nil, err
	}
	if err := callstate.ChargeSteps(thread, uint64(l.Len())); err != nil {
		return nil, err
	}
	return starlark.Call(thread, m, args, kwargs)
}

func listCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	l := recv.(*starlark.List)
	if err := callstate.ChargeSteps(thread, uint64(l.Len())); err != nil {
		return nil, err
	}
	elems := make([]starlark.Value, l.Len())
	for i := range elems {
		elems[i] = l.Index(i)
	}
	return starlark.NewList(elems), nil
}

func listReverse(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("reverse", args, kwargs, 0); err != nil {
		return nil, err
	}
	l := recv.(*starlark.List)
	if err := callstate.ChargeSteps(thread, uint64(l.Len())); err != nil {
		return nil, err
	}
	for i, j := 0, l.Len()-1; i < j; i, j = i+1, j-1 {
		a, b := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, b); err != nil {
			return nil, fmt.Errorf("reverse: %w", err)
		}
		if err := l.SetIndex(j, a); err != nil {
			return nil, fmt.Errorf("reverse: %w", err)
		}
	}
	return starlark.None, nil
}

func dictCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	d := recv.(*starlark.Dict)
	if err := callstate.ChargeSteps(thread, uint64(d.Len())); err != nil {
		return nil, err
	}
	out := starlark.NewDict(d.Len())
	for _, kv := range d.Items() {
		if err := out.SetKey(kv[0], kv[1]); err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
	}
	return out, nil
}

func setCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	s := recv.(*starlark.Set)
	if err := callstate.ChargeSteps(thread, uint64(s.Len())); err != nil {
		return nil, err
	}
	out := starlark.NewSet(s.Len())
	it := s.Iterate()
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		if err := out.Insert(x); err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
	}
	return out, nil
}

func setIsdisjoint(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var other starlark.Value
	if err := starlark.UnpackPositionalArgs("isdisjoint", args, kwargs, 1, &other); err != nil {
		return nil, err
	}
	it, err := pyIter(thread, "isdisjoint", other)
	if err != nil {
		return nil, err
	}
	defer it.Done()
	s := recv.(*starlark.Set)
	var x starlark.Value
	for it.Next(&x) {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		if found, err := s.Has(x); err != nil {
			return nil, fmt.Errorf("isdisjoint: %w", err)
		} else if found {
			return starlark.False, nil
		}
	}
	return starlark.True, nil
}

// strZfill is str.zfill(width): zeros after the sign up to width.
func strZfill(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var width int
	if err := starlark.UnpackPositionalArgs("zfill", args, kwargs, 1, &width); err != nil {
		return nil, err
	}
	s := string(recv.(starlark.String))
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return recv, nil
	}
	if err := callstate.ChargeAlloc(thread, int64(n)+int64(len(s))); err != nil {
		return nil, err
	}
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	return starlark.String(sign + strings.Repeat("0", n) + s), nil
}

// justifier returns str.ljust, str.rjust or str.center(width, fillchar=" ").
func justifier(how string) pyMethod {
	return func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return pyJustify(thread, how, recv, args, kwargs)
	}
}

// pyJustify pads s to width with fill; how is "ljust", "rjust" or "center".
func pyJustify(thread *starlark.Thread, how string, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var width int
	fill := " "
	if err := starlark.UnpackPositionalArgs(how, args, kwargs, 1, &width, &fill); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(fill) != 1 {
		return nil, fmt.Errorf("%s: the fill character must be exactly one character long, got %q", how, fill)
	}
	s := string(recv.(starlark.String))
	marg := width - utf8.RuneCountInString(s)
	if marg <= 0 {
		return recv, nil
	}
	if err := callstate.ChargeAlloc(thread, callstate.Mul(int64(marg), int64(len(fill)))+int64(len(s))); err != nil {
		return nil, err
	}
	left := 0
	switch how {
	case "rjust":
		left = marg
	case "center":
		left = marg/2 + (marg & width & 1)
	}
	return starlark.String(strings.Repeat(fill, left) + s + strings.Repeat(fill, marg-left)), nil
}

// strAll reports whether s is non-empty and every character satisfies ok.
func strAll(recv starlark.Value, name string, args starlark.Tuple, kwargs []starlark.Tuple, ok func(rune) bool) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
		return nil, err
	}
	s := string(recv.(starlark.String))
	if s == "" {
		return starlark.False, nil
	}
	for _, r := range s {
		if !ok(r) {
			return starlark.False, nil
		}
	}
	return starlark.True, nil
}

package starlarkrt

// Python builtins and methods Starlark lacks. Every addition is sound: it
// either defines a name Starlark does not have, or accepts an argument (a
// string where an iterable is wanted) that Starlark rejects, so no valid
// Starlark program changes meaning. Builtins that loop charge their work
// with chargeSteps.

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// maxPowBits bounds the size of an integer pow result (2 MiB of digits).
const maxPowBits = 1 << 24

// predeclared returns the names every program sees beyond Starlark's
// universe: Python builtins, string-tolerant versions of the universe's
// iterable-taking builtins, the helpers the dialect rewrites call, and the
// modules.
func predeclared() starlark.StringDict {
	d := starlark.StringDict{}
	for name, m := range moduleTable() {
		d[name] = m
		d[moduleAlias+name] = m
	}
	for name, fn := range map[string]func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error){
		"sum": pySum, "pow": pyPow, "round": pyRound, "divmod": pyDivmod,
		"map": pyMap, "filter": pyFilter, "isinstance": pyIsinstance,
		"bin": pyIntBase, "hex": pyIntBase, "oct": pyIntBase,
		iterName: latmIter, methodName: latmMethod, assertName: latmAssertFailed, percentName: latmPercent,
	} {
		d[name] = starlark.NewBuiltin(name, fn)
	}
	for name, mode := range stringTolerant {
		if orig, ok := starlark.Universe[name].(*starlark.Builtin); ok {
			d[name] = tolerateStrings(orig, mode)
		}
	}
	pyPredeclared(d)
	return d
}

// Which arguments of a universe builtin may be strings, iterated by
// character as in Python.
const (
	firstArg  = iota // the first positional argument
	allArgs          // every positional argument (zip)
	singleArg        // the first, only when it is the sole positional one (max, min)
)

var stringTolerant = map[string]int{
	"list": firstArg, "tuple": firstArg, "set": firstArg, "sorted": firstArg,
	"reversed": firstArg, "enumerate": firstArg, "any": firstArg, "all": firstArg,
	"zip": allArgs, "max": singleArg, "min": singleArg,
}

// tolerateStrings wraps a universe builtin so that the string arguments
// selected by mode are passed as lists of their characters.
func tolerateStrings(orig *starlark.Builtin, mode int) *starlark.Builtin {
	return starlark.NewBuiltin(orig.Name(), func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if mode == singleArg && len(args) != 1 {
			return starlark.Call(thread, orig, args, kwargs)
		}
		var conv starlark.Tuple
		for i, a := range args {
			s, ok := a.(starlark.String)
			if !ok || (mode != allArgs && i > 0) {
				continue
			}
			if conv == nil {
				conv = append(starlark.Tuple(nil), args...)
			}
			l, err := pyChars(thread, string(s))
			if err != nil {
				return nil, err
			}
			conv[i] = l
		}
		if conv == nil {
			conv = args
		}
		return starlark.Call(thread, orig, conv, kwargs)
	})
}

// pyChars returns the characters (code points, as in Python) of s.
func pyChars(thread *starlark.Thread, s string) (*starlark.List, error) {
	if err := chargeSteps(thread, uint64(len(s))); err != nil {
		return nil, err
	}
	elems := make([]starlark.Value, 0, len(s))
	for _, r := range s {
		elems = append(elems, starlark.String(string(r)))
	}
	return starlark.NewList(elems), nil
}

// pyIter returns an iterator over v, iterating strings by character.
func pyIter(thread *starlark.Thread, fn string, v starlark.Value) (starlark.Iterator, error) {
	if s, ok := v.(starlark.String); ok {
		l, err := pyChars(thread, string(s))
		if err != nil {
			return nil, err
		}
		v = l
	}
	it := starlark.Iterate(v)
	if it == nil {
		return nil, fmt.Errorf("%s: got %s, want iterable", fn, v.Type())
	}
	return it, nil
}

// latmIter is latm.iter(x): the characters of a string, x itself otherwise.
func latmIter(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, fmt.Errorf("%s: want 1 argument", iterName)
	}
	if s, ok := args[0].(starlark.String); ok {
		return pyChars(thread, string(s))
	}
	return args[0], nil
}

// latmAssertFailed is what a failed assert statement calls.
func latmAssertFailed(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, errors.New("assertion failed")
	}
	if s, ok := args[0].(starlark.String); ok {
		return nil, fmt.Errorf("assertion failed: %s", string(s))
	}
	return nil, fmt.Errorf("assertion failed: %s", args[0].String())
}

// pySum is Python's sum(iterable, start=0), adding left to right.
func pySum(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xs starlark.Value
	var acc starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "iterable", &xs, "start?", &acc); err != nil {
		return nil, err
	}
	it, err := pyIter(thread, "sum", xs)
	if err != nil {
		return nil, err
	}
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		if err := chargeSteps(thread, 1); err != nil {
			return nil, err
		}
		if acc, err = starlark.Binary(syntax.PLUS, acc, x); err != nil {
			return nil, fmt.Errorf("sum: %w", err)
		}
	}
	return acc, nil
}

// pyFloatOf converts an int or float to float64.
func pyFloatOf(v starlark.Value) (float64, bool) {
	switch v := v.(type) {
	case starlark.Int:
		f, _ := new(big.Float).SetInt(v.BigInt()).Float64()
		return f, true
	case starlark.Float:
		return float64(v), true
	}
	return 0, false
}

// pyPow is Python's pow(base, exp[, mod]).
func pyPow(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, y starlark.Value
	var m starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "base", &x, "exp", &y, "mod?", &m); err != nil {
		return nil, err
	}
	xi, xInt := x.(starlark.Int)
	yi, yInt := y.(starlark.Int)
	if m != starlark.None {
		mi, mInt := m.(starlark.Int)
		if !xInt || !yInt || !mInt {
			return nil, errors.New("pow: 3rd argument not allowed unless all arguments are integers")
		}
		return modPow(thread, xi.BigInt(), yi.BigInt(), mi.BigInt())
	}
	if xInt && yInt && yi.Sign() >= 0 {
		xb, yb := xi.BigInt(), yi.BigInt()
		if xb.CmpAbs(big.NewInt(1)) <= 0 {
			// 0, 1 and -1 stay small whatever the exponent.
			if xb.Sign() < 0 && yb.Bit(0) == 0 {
				return starlark.MakeInt(1), nil
			}
			if yb.Sign() == 0 {
				return starlark.MakeInt(1), nil
			}
			return xi, nil
		}
		if !yb.IsInt64() || int64(xb.BitLen())*yb.Int64() > maxPowBits {
			return nil, fmt.Errorf("pow: result too large (%s ** %s has more than %d bits)", x, y, maxPowBits)
		}
		if err := chargeSteps(thread, uint64(int64(xb.BitLen())*yb.Int64()/64)); err != nil {
			return nil, err
		}
		return starlark.MakeBigInt(new(big.Int).Exp(xb, yb, nil)), nil
	}
	fx, ok1 := pyFloatOf(x)
	fy, ok2 := pyFloatOf(y)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("pow: unsupported operand types: %s ** %s", x.Type(), y.Type())
	}
	if fx == 0 && fy < 0 {
		return nil, errors.New("pow: 0.0 cannot be raised to a negative power")
	}
	if fx < 0 && fy != math.Trunc(fy) {
		return nil, errors.New("pow: negative number to a fractional power has a complex result, which is not supported")
	}
	r := math.Pow(fx, fy)
	if math.IsInf(r, 0) && !math.IsInf(fx, 0) && !math.IsInf(fy, 0) {
		return nil, errors.New("pow: result too large")
	}
	return starlark.Float(r), nil
}

// modPow is pow(x, y, m) with Python's signs: the result has m's sign.
func modPow(thread *starlark.Thread, x, y, m *big.Int) (starlark.Value, error) {
	if m.Sign() == 0 {
		return nil, errors.New("pow: 3rd argument cannot be 0")
	}
	if err := chargeSteps(thread, uint64(y.BitLen())); err != nil {
		return nil, err
	}
	am := new(big.Int).Abs(m)
	base := new(big.Int).Mod(x, am)
	exp := y
	if y.Sign() < 0 {
		inv := new(big.Int).ModInverse(base, am)
		if inv == nil {
			return nil, errors.New("pow: base is not invertible for the given modulus")
		}
		base, exp = inv, new(big.Int).Neg(y)
	}
	r := new(big.Int).Exp(base, exp, am)
	if m.Sign() < 0 && r.Sign() != 0 {
		r.Add(r, m)
	}
	return starlark.MakeBigInt(r), nil
}

// pyRound is Python 3's round(x[, ndigits]): halves go to the even
// neighbour; round(float) is an int, round(float, n) a float.
func pyRound(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	var nd starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "number", &x, "ndigits?", &nd); err != nil {
		return nil, err
	}
	n, hasN := 0, nd != starlark.None
	if hasN {
		if err := starlark.AsInt(nd, &n); err != nil {
			return nil, fmt.Errorf("round: ndigits: %w", err)
		}
	}
	switch x := x.(type) {
	case starlark.Int:
		if n >= 0 {
			return x, nil
		}
		if n < -1000 {
			return starlark.MakeInt(0), nil
		}
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n)), nil)
		q, r := new(big.Int).DivMod(x.BigInt(), p, new(big.Int)) // r >= 0
		twice := new(big.Int).Lsh(r, 1)
		if c := twice.Cmp(p); c > 0 || c == 0 && q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
		return starlark.MakeBigInt(q.Mul(q, p)), nil
	case starlark.Float:
		f := float64(x)
		if !hasN {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("round: cannot convert float %s to integer", x)
			}
			return starlark.NumberToInt(starlark.Float(math.RoundToEven(f)))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || n > 323 {
			return x, nil
		}
		if n >= 0 {
			r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
			if err != nil {
				return nil, fmt.Errorf("round: %w", err)
			}
			return starlark.Float(r), nil
		}
		if n < -308 {
			return starlark.Float(math.Copysign(0, f)), nil
		}
		p := math.Pow10(-n)
		return starlark.Float(math.RoundToEven(f/p) * p), nil
	}
	return nil, fmt.Errorf("round: got %s, want int or float", x.Type())
}

// pyDivmod is divmod(a, b) = (a // b, a % b).
func pyDivmod(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, y starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &y); err != nil {
		return nil, err
	}
	q, err := starlark.Binary(syntax.SLASHSLASH, x, y)
	if err != nil {
		return nil, fmt.Errorf("divmod: %w", err)
	}
	r, err := starlark.Binary(syntax.PERCENT, x, y)
	if err != nil {
		return nil, fmt.Errorf("divmod: %w", err)
	}
	return starlark.Tuple{q, r}, nil
}

// pyMap is map(f, it, *its), returning a list; with several iterables it
// stops at the shortest, as Python does.
func pyMap(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 || len(args) < 2 {
		return nil, errors.New("map: want map(function, iterable, ...)")
	}
	fn := args[0]
	var its []starlark.Iterator
	for _, a := range args[1:] {
		it, err := pyIter(thread, "map", a)
		if err != nil {
			return nil, err
		}
		defer it.Done()
		its = append(its, it)
	}
	var out []starlark.Value
	for {
		call := make(starlark.Tuple, len(its))
		for i, it := range its {
			if !it.Next(&call[i]) {
				return starlark.NewList(out), nil
			}
		}
		if err := chargeSteps(thread, 1); err != nil {
			return nil, err
		}
		v, err := starlark.Call(thread, fn, call, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// pyFilter is filter(f or None, it), returning a list.
func pyFilter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn, xs starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &fn, &xs); err != nil {
		return nil, err
	}
	it, err := pyIter(thread, "filter", xs)
	if err != nil {
		return nil, err
	}
	defer it.Done()
	var out []starlark.Value
	var x starlark.Value
	for it.Next(&x) {
		if err := chargeSteps(thread, 1); err != nil {
			return nil, err
		}
		keep := x
		if fn != starlark.None {
			if keep, err = starlark.Call(thread, fn, starlark.Tuple{x}, nil); err != nil {
				return nil, err
			}
		}
		if keep.Truth() {
			out = append(out, x)
		}
	}
	return starlark.NewList(out), nil
}

// isinstanceTypes maps the type functions isinstance accepts to the
// Starlark type names they stand for.
var isinstanceTypes = map[string][]string{
	"int": {"int", "bool"}, "float": {"float"}, "str": {"string"}, "bool": {"bool"},
	"list": {"list"}, "dict": {"dict"}, "tuple": {"tuple"}, "set": {"set"}, "bytes": {"bytes"},
}

// pyIsinstance is isinstance(x, T) for T a builtin type function or a
// tuple of them. bool counts as int, as in Python.
func pyIsinstance(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, t starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &t); err != nil {
		return nil, err
	}
	ts, ok := t.(starlark.Tuple)
	if !ok {
		ts = starlark.Tuple{t}
	}
	for _, t := range ts {
		fn, ok := t.(*starlark.Builtin)
		names, known := isinstanceTypes[builtinName(fn, ok)]
		if !known {
			return nil, fmt.Errorf("isinstance: got %s as the type, want one of int, float, str, bool, list, dict, tuple, set, bytes or a tuple of them", t)
		}
		for _, n := range names {
			if x.Type() == n {
				return starlark.True, nil
			}
		}
	}
	return starlark.False, nil
}

func builtinName(b *starlark.Builtin, ok bool) string {
	if !ok || b.Receiver() != nil {
		return ""
	}
	return b.Name()
}

// pyIntBase is bin/hex/oct of an int, with Python's prefixes.
func pyIntBase(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	base, prefix := map[string]int{"bin": 2, "oct": 8, "hex": 16}[b.Name()], map[string]string{"bin": "0b", "oct": "0o", "hex": "0x"}[b.Name()]
	v := x.BigInt()
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
		v.Neg(v)
	}
	return starlark.String(sign + prefix + v.Text(base)), nil
}

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
	if err := chargeSteps(thread, uint64(l.Len())); err != nil {
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
		if err := chargeSteps(thread, 1); err != nil {
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
	if err := chargeSteps(thread, uint64(l.Len())); err != nil {
		return nil, err
	}
	return starlark.Call(thread, m, args, kwargs)
}

func listCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	l := recv.(*starlark.List)
	if err := chargeSteps(thread, uint64(l.Len())); err != nil {
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
	if err := chargeSteps(thread, uint64(l.Len())); err != nil {
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
	if err := chargeSteps(thread, uint64(d.Len())); err != nil {
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
	if err := chargeSteps(thread, uint64(s.Len())); err != nil {
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
		if err := chargeSteps(thread, 1); err != nil {
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
	if err := chargeSteps(thread, uint64(n)); err != nil {
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
	if err := chargeSteps(thread, uint64(marg)); err != nil {
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

// latmPercent is "literal" % rhs: Starlark's own %-formatting when it
// accepts the format (so valid programs keep their meaning), else Python's
// printf-style formatting with flags, widths and precisions.
func latmPercent(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%s: want 2 arguments", percentName)
	}
	v, err := starlark.Binary(syntax.PERCENT, args[0], args[1])
	if err == nil {
		return v, nil
	}
	format, ok := args[0].(starlark.String)
	if !ok {
		return nil, err
	}
	s, perr := pyPrintf(string(format), args[1])
	if perr != nil {
		return nil, perr
	}
	return starlark.String(s), nil
}

// pyPrintf implements Python's format % args.
func pyPrintf(format string, rhs starlark.Value) (string, error) {
	var vals []starlark.Value
	mapping, isMap := rhs.(starlark.Mapping)
	if t, ok := rhs.(starlark.Tuple); ok {
		vals = t
	} else {
		vals = []starlark.Value{rhs}
	}
	next := 0
	take := func() (starlark.Value, error) {
		if next >= len(vals) {
			return nil, errors.New("not enough arguments for format string")
		}
		next++
		return vals[next-1], nil
	}
	var b strings.Builder
	usedMap := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", errors.New("incomplete format")
		}
		var arg starlark.Value
		if format[i] == '(' {
			j := strings.IndexByte(format[i:], ')')
			if j < 0 || !isMap {
				return "", errors.New("format requires a mapping")
			}
			key := format[i+1 : i+j]
			v, found, err := mapping.Get(starlark.String(key))
			if err != nil || !found {
				return "", fmt.Errorf("key %q not in mapping", key)
			}
			arg, usedMap = v, true
			i += j + 1
		}
		var sp fmtSpec
		for ; i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0; i++ {
			switch format[i] {
			case '-':
				sp.align = '<'
			case '+', ' ':
				sp.sign = format[i]
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			}
		}
		num := func() (int, error) {
			if i < len(format) && format[i] == '*' {
				i++
				v, err := take()
				if err != nil {
					return 0, err
				}
				var n int
				if err := starlark.AsInt(v, &n); err != nil {
					return 0, errors.New("* wants int")
				}
				if n > maxFieldWidth || n < -maxFieldWidth {
					return 0, errTooWide
				}
				return n, nil
			}
			n := -1
			for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
				if n = max(n, 0)*10 + int(format[i]-'0'); n > maxFieldWidth {
					return 0, errTooWide
				}
			}
			return n, nil
		}
		w, err := num()
		if err != nil {
			return "", err
		}
		if w < 0 && w != -1 {
			sp.align, w = '<', -w
		}
		sp.width, sp.prec = max(w, 0), -1
		if i < len(format) && format[i] == '.' {
			i++
			if sp.prec, err = num(); err != nil {
				return "", err
			}
			sp.prec = max(sp.prec, 0)
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", errors.New("incomplete format")
		}
		sp.verb = format[i]
		if sp.verb == '%' {
			b.WriteByte('%')
			continue
		}
		if arg == nil {
			if arg, err = take(); err != nil {
				return "", err
			}
		}
		if sp.align == 0 && sp.zero && strings.IndexByte("sr", sp.verb) < 0 {
			sp.align, sp.fill = '=', '0'
		}
		switch sp.verb {
		case 'i', 'u':
			sp.verb = 'd'
		case 'r', 'a':
			sp.verb = 'r'
		}
		s, err := formatWithSpec(arg, sp, true)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if next < len(vals) && !usedMap && !isMap {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// maxFieldWidth bounds the width and precision of a formatted field, so
// that "%100000000000s" % "" is an error, not a 100 GB allocation.
const maxFieldWidth = 1 << 20

var errTooWide = fmt.Errorf("format width or precision too large (at most %d)", maxFieldWidth)

// fmtSpec is a parsed format specification, shared by % and str.format:
// [[fill]align][sign][#][0][width][,|_][.precision][verb].
type fmtSpec struct {
	fill     rune
	align    byte // '<', '>', '^', '=' or 0 for the type's default
	sign     byte // '+', '-', ' ' or 0
	alt      bool
	zero     bool
	width    int
	grouping byte
	prec     int // -1 if absent
	verb     byte
}

// parseFmtSpec parses a str.format specification.
func parseFmtSpec(s string) (fmtSpec, error) {
	sp := fmtSpec{prec: -1}
	rs := []rune(s)
	i := 0
	if len(rs) >= 2 && strings.ContainsRune("<>=^", rs[1]) {
		sp.fill, sp.align, i = rs[0], byte(rs[1]), 2
	} else if len(rs) >= 1 && strings.ContainsRune("<>=^", rs[0]) {
		sp.align, i = byte(rs[0]), 1
	}
	if i < len(rs) && strings.ContainsRune("+- ", rs[i]) {
		sp.sign = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '#' {
		sp.alt = true
		i++
	}
	if i < len(rs) && rs[i] == '0' {
		sp.zero = true
		i++
	}
	for ; i < len(rs) && rs[i] >= '0' && rs[i] <= '9'; i++ {
		if sp.width = sp.width*10 + int(rs[i]-'0'); sp.width > maxFieldWidth {
			return sp, errTooWide
		}
	}
	if i < len(rs) && (rs[i] == ',' || rs[i] == '_') {
		sp.grouping = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '.' {
		i++
		sp.prec = 0
		j := i
		for ; i < len(rs) && rs[i] >= '0' && rs[i] <= '9'; i++ {
			if sp.prec = sp.prec*10 + int(rs[i]-'0'); sp.prec > maxFieldWidth {
				return sp, errTooWide
			}
		}
		if i == j {
			return sp, fmt.Errorf("format spec %q: precision wants digits", s)
		}
	}
	if i < len(rs) {
		sp.verb = byte(rs[i])
		i++
	}
	if i != len(rs) {
		return sp, fmt.Errorf("invalid format spec %q", s)
	}
	if sp.zero && sp.align == 0 {
		sp.fill, sp.align = '0', '='
	}
	return sp, nil
}

// formatWithSpec formats v under sp. percent selects the %-operator's rules
// where they differ from str.format's.
func formatWithSpec(v starlark.Value, sp fmtSpec, percent bool) (string, error) {
	verb := sp.verb
	if verb == 0 {
		switch v.(type) {
		case starlark.Int, starlark.Bool:
			verb = 'd'
			if _, isBool := v.(starlark.Bool); isBool {
				verb = 's'
			}
		case starlark.Float:
			verb = 'r' // str(float), or 'g'-like with a precision
			if sp.prec >= 0 {
				verb = 'g'
			}
		default:
			verb = 's'
		}
	}
	var body, sign string
	numeric := true
	switch verb {
	case 's', 'r':
		numeric = false
		if s, ok := v.(starlark.String); ok && verb == 's' {
			body = string(s)
		} else {
			body = v.String()
		}
		if sp.prec >= 0 {
			if r := []rune(body); len(r) > sp.prec {
				body = string(r[:sp.prec])
			}
		}
		if _, isFloat := v.(starlark.Float); isFloat && verb == 'r' && !percent {
			numeric = true
			if strings.HasPrefix(body, "-") {
				sign, body = "-", body[1:]
			}
		}
	case 'd', 'b', 'o', 'x', 'X', 'n', 'c':
		var x *big.Int
		switch n := v.(type) {
		case starlark.Int:
			x = n.BigInt()
		case starlark.Bool:
			x = big.NewInt(0)
			if n {
				x = big.NewInt(1)
			}
		case starlark.Float:
			if !percent || verb != 'd' && !(verb == 'c') || math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
				return "", fmt.Errorf("format %%%c: got float %s, want int", verb, n)
			}
			x, _ = new(big.Float).SetFloat64(math.Trunc(float64(n))).Int(nil)
		case starlark.String:
			if verb == 'c' && utf8.RuneCountInString(string(n)) == 1 {
				return padField(string(n), "", sp, false), nil
			}
			return "", fmt.Errorf("format %%%c: got string %s, want int", verb, n)
		default:
			return "", fmt.Errorf("format %%%c: got %s, want int", verb, v.Type())
		}
		if verb == 'c' {
			return padField(string(rune(x.Int64())), "", sp, false), nil
		}
		if x.Sign() < 0 {
			sign = "-"
			x = new(big.Int).Neg(x)
		}
		base := map[byte]int{'d': 10, 'n': 10, 'b': 2, 'o': 8, 'x': 16, 'X': 16}[verb]
		body = x.Text(base)
		if verb == 'X' {
			body = strings.ToUpper(body)
		}
		if sp.grouping != 0 && base == 10 {
			body = groupDigits(body, sp.grouping)
		}
		if sp.alt && base != 10 {
			prefix := map[byte]string{'b': "0b", 'o': "0o", 'x': "0x", 'X': "0X"}[verb]
			sign += prefix
		}
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		f, ok := pyFloatOf(v)
		if !ok {
			return "", fmt.Errorf("format %%%c: got %s, want float", verb, v.Type())
		}
		if math.Signbit(f) && !math.IsNaN(f) {
			sign, f = "-", -f
		}
		prec := sp.prec
		if prec < 0 {
			prec = 6
		}
		switch {
		case math.IsInf(f, 0):
			body = "inf"
		case math.IsNaN(f):
			body = "nan"
		case verb == '%':
			body = strconv.FormatFloat(f*100, 'f', prec, 64) + "%"
		case verb == 'g' || verb == 'G':
			body = pyFormatG(f, prec, sp.alt)
		default:
			body = strconv.FormatFloat(f, byte(unicode.ToLower(rune(verb))), prec, 64)
		}
		if verb == 'E' || verb == 'F' || verb == 'G' {
			body = strings.ToUpper(body)
		}
		if sp.grouping != 0 {
			intPart, rest, _ := strings.Cut(body, ".")
			if rest != "" || strings.Contains(body, ".") {
				rest = "." + rest
			}
			body = groupDigits(intPart, sp.grouping) + rest
		}
	default:
		return "", fmt.Errorf("unsupported format character %q", verb)
	}
	if numeric && sign == "" && (sp.sign == '+' || sp.sign == ' ') {
		sign = string(sp.sign)
	} else if numeric && sp.sign != 0 && sign != "" && sign[0] != '-' {
		sign = string(sp.sign) + sign
	}
	return padField(body, sign, sp, numeric), nil
}

// pyFormatG is Python's 'g' presentation: precision significant digits,
// exponent notation outside [1e-4, 1e+precision), trailing zeros dropped
// unless alt.
func pyFormatG(f float64, prec int, alt bool) string {
	if prec == 0 {
		prec = 1
	}
	if f == 0 {
		if alt {
			return "0." + strings.Repeat("0", prec-1)
		}
		return "0"
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	var s string
	if exp < -4 || exp >= prec {
		s = e
		if !alt {
			mant, ex, _ := strings.Cut(e, "e")
			if strings.Contains(mant, ".") {
				mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
			}
			s = mant + "e" + ex
		}
		return s
	}
	s = strconv.FormatFloat(f, 'f', max(prec-1-exp, 0), 64)
	if !alt && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// groupDigits inserts sep every three digits from the right.
func groupDigits(digits string, sep byte) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// padField aligns sign+body in sp.width.
func padField(body, sign string, sp fmtSpec, numeric bool) string {
	n := utf8.RuneCountInString(body) + utf8.RuneCountInString(sign)
	if n >= sp.width {
		return sign + body
	}
	fill := " "
	if sp.fill != 0 {
		fill = string(sp.fill)
	}
	marg := sp.width - n
	align := sp.align
	if align == 0 {
		align = '<'
		if numeric {
			align = '>'
		}
	}
	switch align {
	case '>':
		return strings.Repeat(fill, marg) + sign + body
	case '^':
		return strings.Repeat(fill, marg/2) + sign + body + strings.Repeat(fill, marg-marg/2)
	case '=':
		return sign + strings.Repeat(fill, marg) + body
	}
	return sign + body + strings.Repeat(fill, marg)
}

// pyFormat is str.format with Python's format specifications, used when
// Starlark's own str.format rejects a specification.
func pyFormat(thread *starlark.Thread, format string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := chargeSteps(thread, uint64(len(format))); err != nil {
		return nil, err
	}
	auto, manual := 0, false
	var b strings.Builder
	var field func(f string) (string, error)
	lookup := func(name string) (starlark.Value, error) {
		key, rest := name, ""
		if k := strings.IndexAny(name, ".["); k >= 0 {
			key, rest = name[:k], name[k:]
		}
		var v starlark.Value
		if key == "" {
			if manual {
				return nil, errors.New("format: cannot switch from manual field specification to automatic field numbering")
			}
			if auto >= len(args) {
				return nil, fmt.Errorf("format: replacement index %d out of range", auto)
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(key); err == nil {
			if auto > 0 {
				return nil, errors.New("format: cannot switch from automatic field numbering to manual field specification")
			}
			manual = true
			if n >= len(args) {
				return nil, fmt.Errorf("format: replacement index %d out of range", n)
			}
			v = args[n]
		} else {
			for _, kv := range kwargs {
				if string(kv[0].(starlark.String)) == key {
					v = kv[1]
				}
			}
			if v == nil {
				return nil, fmt.Errorf("format: keyword %s not found", key)
			}
		}
		for rest != "" {
			var err error
			if rest[0] == '.' {
				end := strings.IndexAny(rest[1:], ".[") + 1
				if end == 0 {
					end = len(rest)
				}
				if v, err = starlark.Call(thread, starlark.Universe["getattr"], starlark.Tuple{v, starlark.String(rest[1:end])}, nil); err != nil {
					return nil, fmt.Errorf("format: %w", err)
				}
				rest = rest[end:]
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("format: missing ']' in %q", name)
			}
			var k starlark.Value = starlark.String(rest[1:end])
			if n, err := strconv.Atoi(rest[1:end]); err == nil {
				k = starlark.MakeInt(n)
			}
			if m, ok := v.(starlark.Mapping); ok {
				var found bool
				if v, found, err = m.Get(k); err != nil || !found {
					return nil, fmt.Errorf("format: key %s not found", k)
				}
			} else if ix, ok := v.(starlark.Indexable); ok {
				var n int
				if err := starlark.AsInt(k, &n); err != nil || n < 0 || n >= ix.Len() {
					return nil, fmt.Errorf("format: bad index %s", k)
				}
				v = ix.Index(n)
			} else {
				return nil, fmt.Errorf("format: %s is not indexable", v.Type())
			}
			rest = rest[end+1:]
		}
		return v, nil
	}
	field = func(f string) (string, error) {
		name, specText, _ := strings.Cut(f, ":")
		conv := byte(0)
		if k := strings.IndexByte(name, '!'); k >= 0 {
			if k+2 != len(name) {
				return "", fmt.Errorf("format: bad conversion in {%s}", f)
			}
			conv, name = name[k+1], name[:k]
		}
		v, err := lookup(name)
		if err != nil {
			return "", err
		}
		// Nested fields in the fmtSpec, as in {:{width}}.
		var sb strings.Builder
		for i := 0; i < len(specText); i++ {
			if specText[i] != '{' {
				sb.WriteByte(specText[i])
				continue
			}
			j := strings.IndexByte(specText[i:], '}')
			if j < 0 {
				return "", fmt.Errorf("format: unmatched '{' in spec %q", specText)
			}
			nv, err := lookup(specText[i+1 : i+j])
			if err != nil {
				return "", err
			}
			if s, ok := nv.(starlark.String); ok {
				sb.WriteString(string(s))
			} else {
				sb.WriteString(nv.String())
			}
			i += j
		}
		sp, err := parseFmtSpec(sb.String())
		if err != nil {
			return "", fmt.Errorf("format: %w", err)
		}
		switch conv {
		case 'r', 'a':
			v = starlark.String(v.String())
		case 's':
			if _, ok := v.(starlark.String); !ok {
				v = starlark.String(v.String())
			}
		case 0:
		default:
			return "", fmt.Errorf("format: unknown conversion !%c", conv)
		}
		// Python refuses a spec for a value that has no format of its
		// own, and the s code for anything but a string: so do we,
		// rather than give an answer Python would not.
		if spec := sb.String(); spec != "" {
			switch v.(type) {
			case starlark.String, starlark.Int, starlark.Float, starlark.Bool:
			default:
				return "", fmt.Errorf("format: unsupported format spec %q for a value of type %s (format str(x) instead)", spec, v.Type())
			}
			if _, isString := v.(starlark.String); sp.verb == 's' && !isString {
				return "", fmt.Errorf("format: unknown format code 's' for a value of type %s (use {} or {!s})", v.Type())
			}
		}
		return formatWithSpec(v, sp, false)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '{' && i+1 < len(format) && format[i+1] == '{', c == '}' && i+1 < len(format) && format[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			depth, j := 1, i+1
			for ; j < len(format) && depth > 0; j++ {
				switch format[j] {
				case '{':
					depth++
				case '}':
					depth--
				}
			}
			if depth != 0 {
				return nil, errors.New("format: unmatched '{'")
			}
			s, err := field(format[i+1 : j-1])
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			i = j - 1
		case c == '}':
			return nil, errors.New("format: single '}' encountered in format string")
		default:
			b.WriteByte(c)
		}
	}
	return starlark.String(b.String()), nil
}

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
	"unicode/utf8"

	"github.com/latm/latm/starlarkrt/internal/callstate"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// maxPowBits bounds the size of an integer pow result (2 MiB of digits).
const maxPowBits = 1 << 24

// predeclared returns the names every program of the Python dialect sees
// beyond Starlark's universe, with the standard modules.
func predeclared() starlark.StringDict { return predeclaredFor(moduleTable()) }

// predeclaredFor returns the names a program of the Python dialect sees
// beyond Starlark's universe: Python builtins, string-tolerant versions of
// the universe's iterable-taking builtins, the helpers the dialect
// rewrites call, and the modules mods (under their names and an alias no
// program can shadow).
func predeclaredFor(mods map[string]*starlarkstruct.Module) starlark.StringDict {
	d := starlark.StringDict{}
	for name, m := range mods {
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
	for name, b := range guardedUniverse() {
		d[name] = b
	}
	pyPredeclared(d)
	addStringSemantics(d) // pystr.go
	addAllocHelpers(d)    // dialect_alloc.go
	addLazyHelpers(d)     // dialect_genexp.go
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
		if err := checkSized(thread, orig.Name(), conv); err != nil {
			return nil, err
		}
		return starlark.Call(thread, orig, conv, kwargs)
	})
}

// pyChars returns the characters (code points, as in Python) of s.
func pyChars(thread *starlark.Thread, s string) (*starlark.List, error) {
	if err := callstate.ChargeSteps(thread, uint64(len(s))); err != nil {
		return nil, err
	}
	if err := callstate.CheckAlloc(thread, callstate.Mul(int64(len(s)), elemBytes)); err != nil {
		return nil, err
	}
	elems := make([]starlark.Value, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			elems = append(elems, asciiChars[r])
			continue
		}
		elems = append(elems, starlark.String(string(r)))
	}
	return starlark.NewList(elems), nil
}

// asciiChars holds the one-character strings of ASCII, made once, so that
// iterating an ASCII string allocates no string per character.
var asciiChars = func() (t [utf8.RuneSelf]starlark.Value) {
	for i := range t {
		t[i] = starlark.String(rune(i))
	}
	return t
}()

// sizedBuiltins are the universe builtins that allocate their whole result
// at once from the length of their argument (list(range(10**9)) asks for
// 16 GB in one step), with the bytes they need per element.
var sizedBuiltins = map[string]int64{
	"list": elemBytes, "tuple": elemBytes, "sorted": elemBytes, "reversed": elemBytes,
	"enumerate": elemBytes + 2*elemBytes + 24, // a pair per element
}

// checkSized refuses, before it is called, a sized builtin whose result
// would take the call past its memory limit.
func checkSized(thread *starlark.Thread, name string, args starlark.Tuple) error {
	if len(args) == 0 {
		return nil
	}
	if name == "zip" {
		rows := int64(-1)
		for _, a := range args {
			n := int64(starlark.Len(a))
			if n < 0 {
				return nil // sized as it goes
			}
			if rows < 0 || n < rows {
				rows = n
			}
		}
		per := elemBytes + int64(len(args))*elemBytes + 24
		return callstate.CheckAlloc(thread, callstate.Mul(rows, per))
	}
	per, ok := sizedBuiltins[name]
	if !ok {
		return nil
	}
	if n := starlark.Len(args[0]); n > 0 {
		return callstate.CheckAlloc(thread, callstate.Mul(int64(n), per))
	}
	return nil
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
		if err := callstate.ChargeSteps(thread, 1); err != nil {
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
		if err := callstate.ChargeSteps(thread, uint64(int64(xb.BitLen())*yb.Int64()/64)); err != nil {
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
	var r *big.Int
	if am.BitLen() <= 1024 && exp.BitLen() <= 1024 {
		r = new(big.Int).Exp(base, exp, am) // bounded: well under a millisecond
	} else {
		var err error
		if r, err = expCharged(thread, base, exp, am); err != nil {
			return nil, err
		}
	}
	if m.Sign() < 0 && r.Sign() != 0 {
		r.Add(r, m)
	}
	return starlark.MakeBigInt(r), nil
}

// expCharged is base**exp mod m by squaring and multiplying, charging each
// step's work (quadratic in the words of m) as it goes, so that the step
// and time limits stop an exponentiation with a huge modulus or exponent,
// which big.Int.Exp would finish first however long it took.
func expCharged(thread *starlark.Thread, base, exp, m *big.Int) (*big.Int, error) {
	words := uint64(len(m.Bits()))
	cost := words*words/16 + 1
	r := big.NewInt(1)
	b := new(big.Int).Set(base)
	for i := 0; i < exp.BitLen(); i++ {
		if err := callstate.ChargeSteps(thread, 2*cost); err != nil {
			return nil, err
		}
		if exp.Bit(i) == 1 {
			r.Mul(r, b).Mod(r, m)
		}
		b.Mul(b, b).Mod(b, m)
	}
	return r.Mod(r, m), nil
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
		if err := callstate.ChargeSteps(thread, 1); err != nil {
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
		if err := callstate.ChargeSteps(thread, 1); err != nil {
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

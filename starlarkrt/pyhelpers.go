package starlarkrt

// The builtins the Python syntax rewrites call (dialect_syntax.go,
// dialect_try.go). None is reachable from a valid Starlark program: the
// names starting with "_latm_" are written only into programs that were
// not valid Starlark, the others hold a dot.

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// pyPredeclared adds the exception classes and the helpers of the Python
// syntax rewrites to d (predeclared calls it last).
func pyPredeclared(d starlark.StringDict) {
	for _, c := range excClasses {
		d[c.name] = c
	}
	type helper = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
	for name, h := range map[string]struct {
		fn       helper
		min, max int // positional arguments
	}{
		isName: {latmIs, 2, 2}, isNotName: {latmIsNot, 2, 2}, chainName: {latmChain, 3, 1 << 20},
		delItemName: {latmDelItem, 2, 2}, delSliceName: {latmDelSlice, 4, 4}, unpackName: {latmUnpack, 3, 3},
		raiseMarker: {latmRaise, 0, 2}, assertFnName: {latmAssert, 1, 2},
		tryName: {latmTry, 4, 4}, retName: {latmRet, 1, 1}, unretName: {latmUnret, 1, 1},
		localsName: {latmLocals, 0, 1}, boundName: {latmBound, 2, 2}, setlName: {latmSetl, 3, 3},
	} {
		d[name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(kwargs) > 0 || len(args) < h.min || len(args) > h.max {
				return nil, fmt.Errorf("%s is the dialect's own helper: do not call it", b.Name())
			}
			return h.fn(thread, b, args, kwargs)
		})
	}
	d[breakName] = breakMarker
	d[continueName] = continueMarker
	for name, fn := range map[string]func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error){
		fieldName: latmField, mkclassName: latmMkclass, superName: latmSuper, setterName: latmPropset,
		"dataclass": dataclassFn, "field": dcFieldFn,
	} {
		d[name] = starlark.NewBuiltin(name, fn)
	}
	for _, kind := range []string{"staticmethod", "classmethod", "property"} {
		d[kind] = methodKind(kind)
	}
	if orig, ok := starlark.Universe["hash"].(*starlark.Builtin); ok {
		d["hash"] = starlark.NewBuiltin("hash", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 1 && len(kwargs) == 0 {
				if v, ok := pyHash(args[0]); ok {
					return v, nil
				}
				if _, isStr := args[0].(starlark.String); !isStr {
					if _, isBytes := args[0].(starlark.Bytes); !isBytes {
						h, err := args[0].Hash()
						if err != nil {
							return nil, err
						}
						return starlark.MakeInt64(int64(h)), nil
					}
				}
			}
			return orig.CallInternal(thread, args, kwargs)
		})
	}
	d["object"] = &pyClass{name: "object", attrs: map[string]starlark.Value{}}
	d["dataclasses"] = dataclassesModule
	d["FrozenInstanceError"] = excFrozenInstance
	instanceBuiltins(d)
}

// pyHash is CPython's hash of an int, a bool or an integral float:
// the value modulo 2**61 - 1, with -1 taken to -2.
func pyHash(v starlark.Value) (starlark.Value, bool) {
	var i starlark.Int
	switch x := v.(type) {
	case starlark.Int:
		i = x
	case starlark.Bool:
		i = starlark.MakeInt(0)
		if x {
			i = starlark.MakeInt(1)
		}
	case starlark.Float:
		if float64(x) != float64(int64(x)) {
			return nil, false
		}
		i = starlark.MakeInt64(int64(x))
	default:
		return nil, false
	}
	m := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 61), big.NewInt(1))
	n := i.BigInt()
	r := new(big.Int).Rem(new(big.Int).Abs(n), m)
	if n.Sign() < 0 {
		r.Neg(r)
	}
	if r.IsInt64() && r.Int64() == -1 {
		r.SetInt64(-2)
	}
	return starlark.MakeBigInt(r), true
}

// assertFnName is what a failed assert statement calls.
const assertFnName = "_latm_assert"

// excIsinstance answers isinstance(x, cls) when cls is an exception class
// or a tuple holding one.
func excIsinstance(x, cls starlark.Value) (ok, handled bool) {
	switch c := cls.(type) {
	case *pyExcClass:
		e, isExc := x.(*pyException)
		return isExc && e.cls.isa(c), true
	case starlark.Tuple:
		any := false
		for _, k := range c {
			if _, ok := k.(*pyExcClass); ok {
				any = true
			}
		}
		if !any {
			return false, false
		}
		for _, k := range c {
			if ok, handled := excIsinstance(x, k); handled && ok {
				return true, true
			}
		}
		return false, false
	}
	return false, false
}

// pyIdentical is Python's `a is b` as far as a program can observe it:
// None, booleans and values that are equal and immutable (numbers,
// strings, tuples) are the same object, and a mutable value (list, dict,
// set, function, instance) is only itself.
func pyIdentical(a, b starlark.Value) (bool, error) {
	if a.Type() != b.Type() {
		return false, nil
	}
	switch a.(type) {
	case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes, starlark.Tuple:
		return starlark.Equal(a, b)
	}
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if ra.Kind() == reflect.Pointer && rb.Kind() == reflect.Pointer {
		return ra.Pointer() == rb.Pointer(), nil
	}
	return starlark.Equal(a, b)
}

func latmIs(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	ok, err := pyIdentical(args[0], args[1])
	return starlark.Bool(ok), err
}

func latmIsNot(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	ok, err := pyIdentical(args[0], args[1])
	return starlark.Bool(!ok), err
}

// compareOps maps a comparison's text to its token.
var compareOps = map[string]syntax.Token{
	"<": syntax.LT, ">": syntax.GT, "<=": syntax.LE, ">=": syntax.GE, "==": syntax.EQL, "!=": syntax.NEQ,
	"in": syntax.IN, "not in": syntax.NOT_IN,
}

// latmChain is a chained comparison: _latm_chain(a, op, lambda: b, op,
// lambda: c, …). Each operand after the first is computed only when the
// comparisons before it held, and once.
func latmChain(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 3 || len(args)%2 == 0 {
		return nil, fmt.Errorf("%s: bad arguments", chainName)
	}
	left := args[0]
	for i := 1; i+1 < len(args); i += 2 {
		op, _ := starlark.AsString(args[i])
		right, err := starlark.Call(thread, args[i+1], nil, nil)
		if err != nil {
			return nil, err
		}
		var ok bool
		switch op {
		case "is", "is not":
			ok, err = pyIdentical(left, right)
			if op == "is not" {
				ok = !ok
			}
		default:
			tok, known := compareOps[op]
			if !known {
				return nil, fmt.Errorf("%s: unknown operator %q", chainName, op)
			}
			var v starlark.Value
			if tok == syntax.IN || tok == syntax.NOT_IN {
				v, err = starlark.Binary(tok, left, right)
				if err == nil {
					ok = bool(v.Truth())
				}
			} else {
				ok, err = starlark.Compare(tok, left, right)
			}
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			return starlark.False, nil
		}
		left = right
	}
	return starlark.True, nil
}

// latmDelItem is `del x[k]`.
func latmDelItem(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	switch x := args[0].(type) {
	case *starlark.Dict:
		_, found, err := x.Delete(args[1])
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, &pyRaised{&pyException{cls: excKey, args: starlark.Tuple{args[1]}}}
		}
		return starlark.None, nil
	case *starlark.List:
		i, err := starlark.AsInt32(args[1])
		if err != nil {
			return nil, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("list indices must be integers or slices, not " + pyTypeName(args[1].Type()))}}}
		}
		n := x.Len()
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, &pyRaised{&pyException{cls: excIndex, args: starlark.Tuple{starlark.String("list assignment index out of range")}}}
		}
		pop, _ := x.Attr("pop")
		_, err = starlark.Call(thread, pop, starlark.Tuple{starlark.MakeInt(i)}, nil)
		return starlark.None, err
	}
	return nil, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("'" + pyTypeName(args[0].Type()) + "' object doesn't support item deletion")}}}
}

// latmDelSlice is `del xs[lo:hi:step]`.
func latmDelSlice(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	l, ok := args[0].(*starlark.List)
	if !ok {
		return nil, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("'" + pyTypeName(args[0].Type()) + "' object doesn't support item deletion")}}}
	}
	n := l.Len()
	// The indices the slice selects are those a slice of range(n) gives.
	sel, err := starlark.Call(thread, starlark.Universe["range"], starlark.Tuple{starlark.MakeInt(n)}, nil)
	if err != nil {
		return nil, err
	}
	picked, err := sliceOf(sel, args[1], args[2], args[3])
	if err != nil {
		return nil, err
	}
	drop := map[int]bool{}
	it := starlark.Iterate(picked)
	var v starlark.Value
	for it.Next(&v) {
		i, _ := starlark.AsInt32(v)
		drop[i] = true
	}
	it.Done()
	if err := callstate.ChargeSteps(thread, uint64(n)); err != nil {
		return nil, err
	}
	keep := make([]starlark.Value, 0, n-len(drop))
	for i := 0; i < n; i++ {
		if !drop[i] {
			keep = append(keep, l.Index(i))
		}
	}
	if err := l.Clear(); err != nil {
		return nil, err
	}
	for _, v := range keep {
		if err := l.Append(v); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// sliceOf is x[lo:hi:step] for a Sliceable x.
func sliceOf(x, lo, hi, step starlark.Value) (starlark.Value, error) {
	s, ok := x.(starlark.Sliceable)
	if !ok {
		return nil, fmt.Errorf("invalid slice operand %s", x.Type())
	}
	st := 1
	if step != starlark.None {
		var err error
		if st, err = starlark.AsInt32(step); err != nil || st == 0 {
			return nil, fmt.Errorf("invalid slice step")
		}
	}
	start, end := sliceBounds(s.Len(), lo, hi, st)
	return s.Slice(start, end, st), nil
}

// sliceBounds is Python's slice index normalisation.
func sliceBounds(n int, lo, hi starlark.Value, step int) (int, int) {
	norm := func(v starlark.Value, def int) int {
		if v == starlark.None {
			return def
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return def
		}
		if i < 0 {
			i += n
		}
		if step < 0 {
			if i < -1 {
				i = -1
			} else if i > n-1 {
				i = n - 1
			}
		} else if i < 0 {
			i = 0
		} else if i > n {
			i = n
		}
		return i
	}
	if step > 0 {
		return norm(lo, 0), norm(hi, n)
	}
	return norm(lo, n-1), norm(hi, -1)
}

// latmUnpack is `a, *b, c = v`: the values before and after the starred
// target, and between them a list of the rest.
func latmUnpack(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	before, _ := starlark.AsInt32(args[1])
	after, _ := starlark.AsInt32(args[2])
	if before < 0 || after < 0 {
		return nil, fmt.Errorf("%s: bad counts", unpackName)
	}
	it, err := pyIter(thread, unpackName, args[0])
	if err != nil {
		return nil, &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String("cannot unpack non-iterable " + pyTypeName(args[0].Type()) + " object")}}}
	}
	var all []starlark.Value
	var v starlark.Value
	for it.Next(&v) {
		all = append(all, v)
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			it.Done()
			return nil, err
		}
	}
	it.Done()
	if len(all) < before+after {
		return nil, &pyRaised{&pyException{cls: excValue, args: starlark.Tuple{starlark.String(fmt.Sprintf("not enough values to unpack (expected at least %d, got %d)", before+after, len(all)))}}}
	}
	out := make(starlark.Tuple, 0, before+after+1)
	out = append(out, all[:before]...)
	out = append(out, starlark.NewList(append([]starlark.Value(nil), all[before:len(all)-after]...)))
	out = append(out, all[len(all)-after:]...)
	return out, nil
}

// pyLocals holds the promoted variables of one scope (see dialect_try.go).
type pyLocals struct {
	vars   map[string]starlark.Value
	module bool
	frozen bool
}

var _ starlark.HasSetField = (*pyLocals)(nil)

func (l *pyLocals) String() string        { return "<locals>" }
func (l *pyLocals) Type() string          { return "latm.locals" }
func (l *pyLocals) Truth() starlark.Bool  { return true }
func (l *pyLocals) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: locals") }

func (l *pyLocals) Freeze() {
	if l.frozen {
		return
	}
	l.frozen = true
	for _, v := range l.vars {
		v.Freeze()
	}
}

func (l *pyLocals) AttrNames() []string {
	names := make([]string, 0, len(l.vars))
	for n := range l.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (l *pyLocals) Attr(name string) (starlark.Value, error) {
	if v, ok := l.vars[name]; ok {
		return v, nil
	}
	if l.module {
		return nil, fmt.Errorf("global variable %s referenced before assignment", name)
	}
	return nil, fmt.Errorf("local variable %s referenced before assignment", name)
}

func (l *pyLocals) SetField(name string, v starlark.Value) error {
	if l.frozen {
		return fmt.Errorf("cannot assign to %s: module-level values are frozen", name)
	}
	l.vars[name] = v
	return nil
}

// latmLocals makes a scope's locals object (latm.locals(True) for the module).
func latmLocals(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return &pyLocals{vars: map[string]starlark.Value{}, module: len(args) > 0 && args[0] == starlark.True}, nil
}

func latmBound(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	l, ok := args[0].(*pyLocals)
	if !ok {
		return nil, fmt.Errorf("%s: want a locals object", boundName)
	}
	name, _ := starlark.AsString(args[1])
	_, ok = l.vars[name]
	return starlark.Bool(ok), nil
}

// latmSetl is the walrus: it assigns and returns the value.
func latmSetl(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	l, ok := args[0].(*pyLocals)
	if !ok {
		return nil, fmt.Errorf("%s: want a locals object", setlName)
	}
	name, _ := starlark.AsString(args[1])
	if err := l.SetField(name, args[2]); err != nil {
		return nil, err
	}
	return args[2], nil
}

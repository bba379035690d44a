// Package operator is Python's operator module for latm's sandbox: the
// operators as functions (add, sub, mul, truediv, floordiv, mod, pow, neg,
// eq, lt, …, getitem, contains) and the callables itemgetter, attrgetter
// and methodcaller. They apply Starlark's operators, which for numbers,
// strings and lists are Python's.
package operator

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Module is the operator module.
var Module = &starlarkstruct.Module{Name: "operator", Members: members()}

func members() starlark.StringDict {
	m := starlark.StringDict{}
	binary := map[string]syntax.Token{
		"add": syntax.PLUS, "sub": syntax.MINUS, "mul": syntax.STAR, "truediv": syntax.SLASH,
		"floordiv": syntax.SLASHSLASH, "mod": syntax.PERCENT, "and_": syntax.AMP, "or_": syntax.PIPE,
		"xor": syntax.CIRCUMFLEX, "lshift": syntax.LTLT, "rshift": syntax.GTGT, "concat": syntax.PLUS,
	}
	for name, op := range binary {
		m[name] = starlark.NewBuiltin(name, binaryOp(op))
	}
	compare := map[string]syntax.Token{
		"eq": syntax.EQL, "ne": syntax.NEQ, "lt": syntax.LT, "le": syntax.LE, "gt": syntax.GT, "ge": syntax.GE,
	}
	for name, op := range compare {
		m[name] = starlark.NewBuiltin(name, compareOp(op))
	}
	unary := map[string]syntax.Token{"neg": syntax.MINUS, "pos": syntax.PLUS, "invert": syntax.TILDE, "inv": syntax.TILDE}
	for name, op := range unary {
		m[name] = starlark.NewBuiltin(name, unaryOp(op))
	}
	fns := map[string]func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error){
		"pow": powFn, "abs": absFn, "not_": notFn, "truth": truthFn, "is_": isFn(true), "is_not": isFn(false),
		"getitem": getitem, "contains": contains, "countOf": countOf, "indexOf": indexOf,
		"itemgetter": itemgetter, "attrgetter": attrgetter, "methodcaller": methodcaller,
	}
	for name, fn := range fns {
		m[name] = starlark.NewBuiltin(name, fn)
	}
	return m
}

func two(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (x, y starlark.Value, err error) {
	err = starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &x, &y)
	return x, y, err
}

func binaryOp(op syntax.Token) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		x, y, err := two(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		return starlark.Binary(op, x, y)
	}
}

func compareOp(op syntax.Token) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		x, y, err := two(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		ok, err := starlark.Compare(op, x, y)
		return starlark.Bool(ok), err
	}
}

func unaryOp(op syntax.Token) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
			return nil, err
		}
		return starlark.Unary(op, x)
	}
}

// maxPowBits bounds an integer power's size, as the runtime's pow does.
const maxPowBits = 1 << 24

// powFn is pow(a, b) = a ** b: exact for an int to a non-negative int
// power, a float otherwise.
func powFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	x, y, err := two(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	xi, xInt := x.(starlark.Int)
	yi, yInt := y.(starlark.Int)
	if xInt && yInt && yi.Sign() >= 0 {
		e, ok := yi.Int64()
		bits := xi.BigInt().BitLen()
		if bits > 1 && (!ok || e > maxPowBits || int64(bits)*e > maxPowBits) {
			return nil, fmt.Errorf("pow: result too large (more than %d bits)", maxPowBits)
		}
		return starlark.MakeBigInt(new(big.Int).Exp(xi.BigInt(), yi.BigInt(), nil)), nil
	}
	xf, ok1 := starlark.AsFloat(x)
	yf, ok2 := starlark.AsFloat(y)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("unsupported operand type(s) for ** or pow(): '%s' and '%s'", x.Type(), y.Type())
	}
	if xf == 0 && yf < 0 {
		return nil, fmt.Errorf("0.0 cannot be raised to a negative power")
	}
	r := math.Pow(xf, yf)
	if math.IsNaN(r) && !math.IsNaN(xf) && !math.IsNaN(yf) {
		return nil, fmt.Errorf("pow: negative number to a fractional power has no real result")
	}
	return starlark.Float(r), nil
}

func absFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	switch v := x.(type) {
	case starlark.Int:
		if v.Sign() < 0 {
			return starlark.Unary(syntax.MINUS, v)
		}
		return v, nil
	case starlark.Float:
		return starlark.Float(math.Abs(float64(v))), nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", x.Type())
}

func notFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	return !x.Truth(), nil
}

func truthFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	return x.Truth(), nil
}

// isFn is is_ / is_not: identity for None, booleans and mutable values;
// equality of value otherwise (Starlark has no identity of ints or strings).
func isFn(want bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		x, y, err := two(b, args, kwargs)
		if err != nil {
			return nil, err
		}
		var same bool
		switch x.(type) {
		case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Tuple:
			if same, err = starlark.Equal(x, y); err != nil {
				return nil, err
			}
			same = same && x.Type() == y.Type()
		default:
			same = x == y
		}
		return starlark.Bool(same == want), nil
	}
}

func getitem(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	x, k, err := two(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return index(x, k)
}

// index is x[k] for a mapping or an indexable, negative indices counting
// from the end.
func index(x, k starlark.Value) (starlark.Value, error) {
	switch v := x.(type) {
	case starlark.Mapping:
		r, found, err := v.Get(k)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("key %s not in %s", k, x.Type())
		}
		return r, nil
	case starlark.Indexable:
		var i int
		if err := starlark.AsInt(k, &i); err != nil {
			return nil, fmt.Errorf("%s index must be an int, not %s", x.Type(), k.Type())
		}
		n := v.Len()
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s index out of range", x.Type())
		}
		return v.Index(i), nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", x.Type())
}

func contains(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	x, y, err := two(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.Binary(syntax.IN, y, x)
}

func countOf(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	seq, x, err := two(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	n := 0
	err = iterate(thread, b.Name(), seq, func(_ int, v starlark.Value) (bool, error) {
		eq, err := starlark.Equal(v, x)
		if eq {
			n++
		}
		return true, err
	})
	return starlark.MakeInt(n), err
}

func indexOf(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	seq, x, err := two(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	at := -1
	err = iterate(thread, b.Name(), seq, func(i int, v starlark.Value) (bool, error) {
		eq, err := starlark.Equal(v, x)
		if eq {
			at = i
		}
		return !eq, err
	})
	if err != nil {
		return nil, err
	}
	if at < 0 {
		return nil, fmt.Errorf("sequence.index(x): x not in sequence")
	}
	return starlark.MakeInt(at), nil
}

// getter is the callable itemgetter, attrgetter or methodcaller returns.
type getter struct {
	name string
	repr string
	fn   func(thread *starlark.Thread, obj starlark.Value) (starlark.Value, error)
}

var _ starlark.Callable = (*getter)(nil)

func (g *getter) String() string        { return g.repr }
func (g *getter) Type() string          { return "operator." + g.name }
func (g *getter) Name() string          { return g.name }
func (g *getter) Freeze()               {}
func (g *getter) Truth() starlark.Bool  { return true }
func (g *getter) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: operator.%s", g.name) }

func (g *getter) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	if err := starlark.UnpackPositionalArgs(g.name, args, kwargs, 1, &obj); err != nil {
		return nil, err
	}
	return g.fn(thread, obj)
}

func reprArgs(args starlark.Tuple) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// itemgetter is itemgetter(item, *items): obj[item], or a tuple of them.
func itemgetter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 || len(args) == 0 {
		return nil, fmt.Errorf("itemgetter expected 1 argument, got 0")
	}
	items := append(starlark.Tuple(nil), args...)
	return &getter{name: "itemgetter", repr: "operator.itemgetter(" + reprArgs(items) + ")", fn: func(_ *starlark.Thread, obj starlark.Value) (starlark.Value, error) {
		if len(items) == 1 {
			return index(obj, items[0])
		}
		out := make(starlark.Tuple, len(items))
		for i, k := range items {
			v, err := index(obj, k)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

// attrgetter is attrgetter(attr, *attrs): obj.attr (dotted names follow
// the chain), or a tuple of them.
func attrgetter(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 || len(args) == 0 {
		return nil, fmt.Errorf("attrgetter expected 1 argument, got 0")
	}
	var paths [][]string
	for _, a := range args {
		s, ok := a.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("attribute name must be a string")
		}
		paths = append(paths, strings.Split(string(s), "."))
	}
	get := func(obj starlark.Value, path []string) (starlark.Value, error) {
		for _, name := range path {
			v, err := getattr(obj, name)
			if err != nil {
				return nil, err
			}
			obj = v
		}
		return obj, nil
	}
	return &getter{name: "attrgetter", repr: "operator.attrgetter(" + reprArgs(args) + ")", fn: func(_ *starlark.Thread, obj starlark.Value) (starlark.Value, error) {
		if len(paths) == 1 {
			return get(obj, paths[0])
		}
		out := make(starlark.Tuple, len(paths))
		for i, p := range paths {
			v, err := get(obj, p)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

func getattr(obj starlark.Value, name string) (starlark.Value, error) {
	if h, ok := obj.(starlark.HasAttrs); ok {
		v, err := h.Attr(name)
		if err != nil {
			return nil, err
		}
		if v != nil {
			return v, nil
		}
	}
	return nil, fmt.Errorf("'%s' object has no attribute '%s'", obj.Type(), name)
}

// methodcaller is methodcaller(name, *args, **kwargs): obj.name(*args, **kwargs).
func methodcaller(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("methodcaller needs at least one argument, the method name")
	}
	name, ok := args[0].(starlark.String)
	if !ok {
		return nil, fmt.Errorf("method name must be a string")
	}
	margs := append(starlark.Tuple(nil), args[1:]...)
	return &getter{name: "methodcaller", repr: "operator.methodcaller(" + reprArgs(args) + ")", fn: func(thread *starlark.Thread, obj starlark.Value) (starlark.Value, error) {
		m, err := getattr(obj, string(name))
		if err != nil {
			return nil, err
		}
		return starlark.Call(thread, m, margs, kwargs)
	}}, nil
}

package starlarkrt

// Generator expressions. Starlark has no generators, so preprocess turns
// the generator argument of a call, f(x for v in xs), into a list
// comprehension, marked: f(_latm_genexp([x for v in xs])). For most calls
// (sum, max, sorted, "".join) the list gives the same result. all() and
// any() of a generator stop at the first element that decides them: later
// elements are never computed, so an error or a long computation there
// never happens, and a test of a million candidates stops at the first
// divisor that fails instead of building the list of every divisor's
// answer. lazyGenexps rewrites those two, when the comprehension has one
// for clause over plain names and no condition, into latm.all(lambda v: x,
// xs) and latm.any(...), which call the lambda element by element and
// stop as Python does; it removes every other marker.

import (
	"fmt"
	"strconv"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

const (
	genexpMarker = "_latm_genexp"
	lazyAllName  = "latm.all"
	lazyAnyName  = "latm.any"
)

// lazyGenexps applies the rewrite above to f; ti learns the scopes of the
// lambdas it makes.
func lazyGenexps(f *syntax.File, ti *typeInfo) {
	rewrite := func(e syntax.Expr) syntax.Expr { return lazyGenexp(e) }
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			makeLazy(n, ti)
			n.Fn = rewrite(n.Fn)
			for i, a := range n.Args {
				if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
					b.Y = rewrite(b.Y)
					continue
				}
				n.Args[i] = rewrite(a)
			}
		}
		return true
	})
}

// lazyGenexp returns e without its marker, or its lazy all/any form.
func lazyGenexp(e syntax.Expr) syntax.Expr {
	c, ok := markerCall(e, genexpMarker)
	if !ok || len(c.Args) != 1 {
		return e
	}
	return c.Args[0]
}

// makeLazy turns all(_latm_genexp([x for v in xs])) (or any), in place,
// into latm.all(lambda v: x, xs, n), n the number of names v unpacks.
func makeLazy(c *syntax.CallExpr, ti *typeInfo) {
	id, ok := c.Fn.(*syntax.Ident)
	if !ok || (id.Name != "all" && id.Name != "any") || !ti.trusted(id.Name) || len(c.Args) != 1 {
		return
	}
	m, ok := markerCall(c.Args[0], genexpMarker)
	if !ok || len(m.Args) != 1 {
		return
	}
	comp, ok := m.Args[0].(*syntax.Comprehension)
	if !ok || comp.Curly || len(comp.Clauses) != 1 {
		return
	}
	clause, ok := comp.Clauses[0].(*syntax.ForClause)
	if !ok {
		return
	}
	params, unpack, ok := lambdaParams(clause.Vars)
	if !ok {
		return
	}
	lam := &syntax.LambdaExpr{Lambda: comp.Lbrack, Params: params, Body: comp.Body}
	if sc, ok := ti.scopes[comp]; ok {
		ti.scopes[lam] = sc // the clause's names, now the lambda's
	}
	name := lazyAllName
	if id.Name == "any" {
		name = lazyAnyName
	}
	n := &syntax.Literal{Token: syntax.INT, TokenPos: comp.Lbrack, Raw: strconv.Itoa(unpack), Value: int64(unpack)}
	c.Fn = ident(name, id.NamePos)
	c.Args = []syntax.Expr{lam, clause.X, n}
	// for a, b in zip(xs, ys): the operands themselves, walked in step,
	// with no list of pairs built first (Python's zip is lazy too).
	if z, ok := unparen(clause.X).(*syntax.CallExpr); ok && unpack > 0 && len(z.Args) == unpack && ti.trustedCall(z, "zip") && plainArgs(z.Args) {
		c.Args = []syntax.Expr{lam, &syntax.TupleExpr{List: z.Args}, n, ident("True", z.Lparen)}
	}
}

// plainArgs reports whether a call's arguments are all positional.
func plainArgs(args []syntax.Expr) bool {
	for _, a := range args {
		if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			return false
		}
		if u, ok := a.(*syntax.UnaryExpr); ok && (u.Op == syntax.STAR || u.Op == syntax.STARSTAR) {
			return false
		}
	}
	return true
}

// lambdaParams returns the parameters of the lambda that binds the names
// of a for clause's target (a name, or a flat tuple of distinct names), and
// how many names a tuple unpacks (0 for a single name).
func lambdaParams(vars syntax.Expr) ([]syntax.Expr, int, bool) {
	switch v := unparen(vars).(type) {
	case *syntax.Ident:
		return []syntax.Expr{&syntax.Ident{NamePos: v.NamePos, Name: v.Name}}, 0, true
	case *syntax.TupleExpr:
		seen := map[string]bool{}
		var out []syntax.Expr
		for _, x := range v.List {
			id, ok := x.(*syntax.Ident)
			if !ok || seen[id.Name] {
				return nil, 0, false
			}
			seen[id.Name] = true
			out = append(out, &syntax.Ident{NamePos: id.NamePos, Name: id.Name})
		}
		return out, len(out), len(out) > 0
	}
	return nil, 0, false
}

// addLazyHelpers adds latm.all and latm.any to the predeclared names d.
func addLazyHelpers(d starlark.StringDict) {
	d[lazyAllName] = starlark.NewBuiltin("all", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return lazyTest(thread, b, args, false)
	})
	d[lazyAnyName] = starlark.NewBuiltin("any", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return lazyTest(thread, b, args, true)
	})
}

// lazyTest is all(fn(v) for v in xs) (stop at the first false) or, with
// want true, any(...) (stop at the first true); args are fn, xs, the
// number of names the clause unpacks each element into (0: one name)
// and, optionally, True when xs is the tuple of zip's operands.
func lazyTest(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, want bool) (starlark.Value, error) {
	if len(args) != 3 && len(args) != 4 {
		return nil, fmt.Errorf("%s: want 3 or 4 arguments", b.Name()) // never made by the rewrite
	}
	fn, xs := args[0], args[1]
	unpack, _ := starlark.AsInt32(args[2])
	if len(args) == 4 {
		if ops, ok := indexables(xs); ok {
			return lazyZipTest(thread, fn, ops, want)
		}
	}
	var its []starlark.Iterator
	defer func() {
		for _, it := range its {
			it.Done()
		}
	}()
	if len(args) == 4 { // zip's operands
		ops, _ := xs.(starlark.Tuple)
		for _, op := range ops {
			it, err := pyIter(thread, "zip", op)
			if err != nil {
				return nil, err
			}
			its = append(its, it)
		}
	} else {
		it, err := pyIter(thread, b.Name(), xs)
		if err != nil {
			return nil, err
		}
		its = append(its, it)
	}
	// The callee copies its arguments into its frame: one tuple serves
	// every call.
	call := make(starlark.Tuple, max(unpack, 1))
	var x starlark.Value
	for {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		switch {
		case len(args) == 4:
			for i, it := range its {
				if !it.Next(&call[i]) {
					return starlark.Bool(!want), nil
				}
			}
		case !its[0].Next(&x):
			return starlark.Bool(!want), nil
		case unpack > 0:
			if err := unpackInto(call, x); err != nil {
				return nil, err
			}
		default:
			call[0] = x
		}
		v, err := starlark.Call(thread, fn, call, nil)
		if err != nil {
			return nil, err
		}
		if bool(v.Truth()) == want {
			return starlark.Bool(want), nil
		}
	}
}

// indexables reports whether zip's operands xs are all lists or tuples,
// which lazyZipTest walks by index with no iterator to allocate per call.
func indexables(xs starlark.Value) (starlark.Tuple, bool) {
	ops, _ := xs.(starlark.Tuple)
	if len(ops) == 0 {
		return nil, false
	}
	for _, op := range ops {
		switch op.(type) {
		case *starlark.List, starlark.Tuple:
		default:
			return nil, false
		}
	}
	return ops, true
}

// lazyZipTest is lazyTest over zip's operands, all lists or tuples: the
// i-th elements while i is below every operand's length, read again each
// step as Python's list iterator does (a list the test appends to is
// walked to its new end).
func lazyZipTest(thread *starlark.Thread, fn starlark.Value, ops starlark.Tuple, want bool) (starlark.Value, error) {
	call := make(starlark.Tuple, len(ops))
	for i := 0; ; i++ {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		for j, op := range ops {
			x := op.(starlark.Indexable)
			if i >= x.Len() {
				return starlark.Bool(!want), nil
			}
			call[j] = x.Index(i)
		}
		v, err := starlark.Call(thread, fn, call, nil)
		if err != nil {
			return nil, err
		}
		if bool(v.Truth()) == want {
			return starlark.Bool(want), nil
		}
	}
}

// unpackInto unpacks x into the len(out) values of out, as an assignment
// to that many names does.
func unpackInto(out starlark.Tuple, x starlark.Value) error {
	n := len(out)
	if t, ok := x.(starlark.Tuple); ok && len(t) == n {
		copy(out, t)
		return nil
	}
	it, ok := x.(starlark.Iterable)
	if !ok {
		return fmt.Errorf("%s value is not iterable", x.Type())
	}
	if s, ok := x.(starlark.Sequence); ok {
		if got := s.Len(); got > n {
			return fmt.Errorf("too many values to unpack (got %d, want %d)", got, n)
		} else if got < n {
			return fmt.Errorf("too few values to unpack (got %d, want %d)", got, n)
		}
	}
	iter := it.Iterate()
	defer iter.Done()
	i := 0
	var v starlark.Value
	for iter.Next(&v) {
		if i == n {
			return fmt.Errorf("too many values to unpack (got %d, want %d)", n+1, n)
		}
		out[i] = v
		i++
	}
	if i < n {
		return fmt.Errorf("too few values to unpack (got %d, want %d)", i, n)
	}
	return nil
}

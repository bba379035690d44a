package starlarkrt

import (
	"strconv"

	"go.starlark.net/syntax"
)

// transform applies sound rewrites to the parsed file before it is resolved
// and compiled:
//   - the iterable of every for statement and comprehension clause is
//     wrapped in latm.iter, which turns a string into its characters (valid
//     Starlark cannot iterate a string, so this changes no valid program);
//   - calls of the methods Python has and Starlark lacks (xs.sort(),
//     xs.count(v), s.zfill(n), …) go through latm.method, which implements
//     them for the receiver types that lack them and otherwise calls the
//     receiver's own attribute;
//   - "literal" % rhs goes through latm.percent, which adds widths,
//     precisions and flags to Starlark's %-formatting.
func transform(f *syntax.File, shadowed func(string) bool) error {
	ti := inferTypes(f, shadowed)
	lazyGenexps(f, ti)        // dialect_genexp.go: all(x for ...) stops early
	p := rewriteAllocs(f, ti) // dialect_alloc.go: sizes checked before * and + build
	rewriteExprs(f, p)
	rewriteStringsOf(f, p) // pystr.go: Python's string indexing
	return nil
}

// wrapIter returns latm.iter(x).
func wrapIter(x syntax.Expr) syntax.Expr {
	start, end := x.Span()
	return &syntax.CallExpr{
		Fn:     &syntax.Ident{NamePos: start, Name: iterName},
		Lparen: start,
		Args:   []syntax.Expr{x},
		Rparen: end,
	}
}

// extraMethods are the method names whose calls go through latm.method:
// methods Python has on some type where Starlark lacks them (see
// builtins.go), plus str.format for format specs, plus the set methods
// that go.starlark.net cannot call without an argument.
var extraMethods = map[string]bool{
	"sort": true, "count": true, "copy": true, "reverse": true,
	"zfill": true, "ljust": true, "rjust": true, "center": true,
	"isnumeric": true, "isdecimal": true, "format": true, "isdisjoint": true,
	"index": true,
	// go.starlark.net panics when these set methods get no argument;
	// latmMethod answers instead.
	"difference": true, "intersection": true, "issubset": true, "issuperset": true,
	"symmetric_difference": true,
	// Methods whose result can be far larger than their receiver: their
	// size is charged before they build it (guardMethod).
	"join": true, "replace": true, "split": true, "rsplit": true, "extend": true,
}

// rewriteExprs rewrites, in place, every expression of f: the iterables of
// for statements and clauses, calls of extraMethods and "literal" % rhs.
func rewriteExprs(f *syntax.File, p *plainOps) {
	p.rewriteStmts(f.Stmts)
}

func (p *plainOps) rewriteStmts(stmts []syntax.Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.AssignStmt:
			s.LHS = p.rewriteExpr(s.LHS)
			s.RHS = p.rewriteExpr(s.RHS)
		case *syntax.ExprStmt:
			s.X = p.rewriteExpr(s.X)
		case *syntax.IfStmt:
			s.Cond = p.rewriteExpr(s.Cond)
			p.rewriteStmts(s.True)
			p.rewriteStmts(s.False)
		case *syntax.ForStmt:
			s.X = p.iter(s, p.rewriteExpr(s.X))
			p.rewriteStmts(s.Body)
		case *syntax.WhileStmt:
			s.Cond = p.rewriteExpr(s.Cond)
			p.rewriteStmts(s.Body)
		case *syntax.DefStmt:
			p.rewriteParams(s.Params)
			p.rewriteStmts(s.Body)
		case *syntax.ReturnStmt:
			if s.Result != nil {
				s.Result = p.rewriteExpr(s.Result)
			}
		}
	}
}

// rewriteParams rewrites default values, never the parameter names.
func (p *plainOps) rewriteParams(params []syntax.Expr) {
	for _, param := range params {
		if b, ok := param.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = p.rewriteExpr(b.Y)
		}
	}
}

func (p *plainOps) rewriteList(xs []syntax.Expr) {
	for i, x := range xs {
		xs[i] = p.rewriteExpr(x)
	}
}

func (p *plainOps) rewriteExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.ParenExpr:
		e.X = p.rewriteExpr(e.X)
	case *syntax.CallExpr:
		e.Fn = p.rewriteExpr(e.Fn)
		for i, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = p.rewriteExpr(b.Y) // keyword argument: keep the name
				continue
			}
			e.Args[i] = p.rewriteExpr(a)
		}
		if dot, ok := e.Fn.(*syntax.DotExpr); ok && extraMethods[dot.Name.Name] {
			name := &syntax.Literal{Token: syntax.STRING, TokenPos: dot.NamePos, Raw: strconv.Quote(dot.Name.Name), Value: dot.Name.Name}
			args := append([]syntax.Expr{dot.X, name}, e.Args...)
			return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: dot.NamePos, Name: methodName}, Lparen: e.Lparen, Args: args, Rparen: e.Rparen}
		}
	case *syntax.DotExpr:
		e.X = p.rewriteExpr(e.X)
	case *syntax.IndexExpr:
		e.X = p.rewriteExpr(e.X)
		e.Y = p.rewriteExpr(e.Y)
	case *syntax.SliceExpr:
		e.X = p.rewriteExpr(e.X)
		e.Lo = p.rewriteExpr(e.Lo)
		e.Hi = p.rewriteExpr(e.Hi)
		e.Step = p.rewriteExpr(e.Step)
	case *syntax.UnaryExpr:
		e.X = p.rewriteExpr(e.X)
	case *syntax.BinaryExpr:
		e.X = p.rewriteExpr(e.X)
		e.Y = p.rewriteExpr(e.Y)
		if lit, ok := e.X.(*syntax.Literal); ok && e.Op == syntax.PERCENT && lit.Token == syntax.STRING {
			return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: e.OpPos, Name: percentName}, Lparen: e.OpPos, Args: []syntax.Expr{e.X, e.Y}, Rparen: e.OpPos}
		}
	case *syntax.CondExpr:
		e.Cond = p.rewriteExpr(e.Cond)
		e.True = p.rewriteExpr(e.True)
		e.False = p.rewriteExpr(e.False)
	case *syntax.ListExpr:
		p.rewriteList(e.List)
	case *syntax.TupleExpr:
		p.rewriteList(e.List)
	case *syntax.DictExpr:
		p.rewriteList(e.List)
	case *syntax.DictEntry:
		e.Key = p.rewriteExpr(e.Key)
		e.Value = p.rewriteExpr(e.Value)
	case *syntax.LambdaExpr:
		p.rewriteParams(e.Params)
		e.Body = p.rewriteExpr(e.Body)
	case *syntax.Comprehension:
		e.Body = p.rewriteExpr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = p.iter(c, p.rewriteExpr(c.X))
			case *syntax.IfClause:
				c.Cond = p.rewriteExpr(c.Cond)
			}
		}
	}
	return e
}

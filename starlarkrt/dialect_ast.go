package starlarkrt

// Helpers of the AST transforms: builders, marker tests, walks.

import (
	"sort"
	"strconv"

	"go.starlark.net/syntax"
)

// Small AST builders.

func ident(name string, pos syntax.Position) *syntax.Ident {
	return &syntax.Ident{NamePos: pos, Name: name}
}

func dot(obj, field string, pos syntax.Position) *syntax.DotExpr {
	return &syntax.DotExpr{X: ident(obj, pos), Dot: pos, NamePos: pos, Name: ident(field, pos)}
}

func str(s string, pos syntax.Position) *syntax.Literal {
	return &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: strconv.Quote(s), Value: s}
}

func mkCall(fn string, pos syntax.Position, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Fn: ident(fn, pos), Lparen: pos, Args: args, Rparen: pos}
}

func assign(lhs, rhs syntax.Expr) *syntax.AssignStmt {
	pos, _ := lhs.Span()
	return &syntax.AssignStmt{OpPos: pos, Op: syntax.EQ, LHS: lhs, RHS: rhs}
}

// litString returns the value of a string literal.
func litString(e syntax.Expr) (string, bool) {
	l, ok := e.(*syntax.Literal)
	if !ok {
		return "", false
	}
	s, ok := l.Value.(string)
	return s, ok
}

// walrusName returns the name a walrus marker call assigns.
func walrusName(e syntax.Expr) (string, bool) {
	c, ok := markerCall(e, walrusMarker)
	if !ok || len(c.Args) != 2 {
		return "", false
	}
	return litString(c.Args[0])
}

// markerCall reports whether e is a call of the named marker.
func markerCall(e syntax.Expr, name string) (*syntax.CallExpr, bool) {
	c, ok := e.(*syntax.CallExpr)
	if !ok {
		return nil, false
	}
	id, ok := c.Fn.(*syntax.Ident)
	return c, ok && id.Name == name
}

// isMarkerIf reports whether s is `if <marker>:`.
func isMarkerIf(s *syntax.IfStmt, name string) bool {
	id, ok := s.Cond.(*syntax.Ident)
	return ok && id.Name == name
}

func isExceptIf(s syntax.Stmt) bool {
	i, ok := s.(*syntax.IfStmt)
	if !ok {
		return false
	}
	_, ok = markerCall(i.Cond, exceptMarker)
	return ok
}

// targetNames calls f for each name an assignment target binds.
func targetNames(e syntax.Expr, f func(string)) {
	switch x := e.(type) {
	case *syntax.Ident:
		f(x.Name)
	case *syntax.TupleExpr:
		for _, y := range x.List {
			targetNames(y, f)
		}
	case *syntax.ListExpr:
		for _, y := range x.List {
			targetNames(y, f)
		}
	case *syntax.ParenExpr:
		targetNames(x.X, f)
	}
}

// paramName returns the name a parameter binds, or "".
func paramName(p syntax.Expr) string {
	switch x := p.(type) {
	case *syntax.Ident:
		return x.Name
	case *syntax.BinaryExpr:
		if id, ok := x.X.(*syntax.Ident); ok {
			return id.Name
		}
	case *syntax.UnaryExpr:
		if id, ok := x.X.(*syntax.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// walk calls f on e and, while f returns true, on its subexpressions.
func walk(e syntax.Expr, f func(syntax.Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch x := e.(type) {
	case *syntax.CallExpr:
		walk(x.Fn, f)
		for _, a := range x.Args {
			walk(a, f)
		}
	case *syntax.DotExpr:
		walk(x.X, f)
	case *syntax.IndexExpr:
		walk(x.X, f)
		walk(x.Y, f)
	case *syntax.SliceExpr:
		walk(x.X, f)
		walk(x.Lo, f)
		walk(x.Hi, f)
		walk(x.Step, f)
	case *syntax.UnaryExpr:
		walk(x.X, f)
	case *syntax.BinaryExpr:
		walk(x.X, f)
		walk(x.Y, f)
	case *syntax.CondExpr:
		walk(x.Cond, f)
		walk(x.True, f)
		walk(x.False, f)
	case *syntax.ParenExpr:
		walk(x.X, f)
	case *syntax.ListExpr:
		for _, y := range x.List {
			walk(y, f)
		}
	case *syntax.TupleExpr:
		for _, y := range x.List {
			walk(y, f)
		}
	case *syntax.DictExpr:
		for _, y := range x.List {
			walk(y, f)
		}
	case *syntax.DictEntry:
		walk(x.Key, f)
		walk(x.Value, f)
	case *syntax.LambdaExpr:
		walk(x.Body, f)
	case *syntax.Comprehension:
		walk(x.Body, f)
		for _, cl := range x.Clauses {
			switch cl := cl.(type) {
			case *syntax.ForClause:
				walk(cl.X, f)
			case *syntax.IfClause:
				walk(cl.Cond, f)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package starlarkrt

// Classes and decorators, as transformPython builds them. A class
//
//	@dataclass
//	class A(B):
//	    n = 0
//	    def f(self): …
//
// (which preprocess wrote as `_latm_decorator(dataclass)` and
// `def A(_latm_class, B):`) becomes
//
//	def A.f1(self): …                  # each method, in the class's scope
//	def A.body2():                     # the class attributes
//	    n = 0
//	    return [("n", n), ("f", A.f1)]
//	A = dataclass(latm.mkclass("A", (B,), A.body2()))
//
// Methods are not nested in the attribute function, so that, as in
// Python, they do not see the class's attributes as variables. super()
// in a method is latm.super(A, self).

import (
	"go.starlark.net/syntax"
)

// isClassDef reports whether s is a class statement's def.
func isClassDef(s *syntax.DefStmt) bool {
	if len(s.Params) == 0 {
		return false
	}
	id, ok := s.Params[0].(*syntax.Ident)
	return ok && id.Name == classMarker
}

// decoratorOf returns the expression of a decorator marker statement.
func decoratorOf(s syntax.Stmt) (syntax.Expr, bool) {
	e, ok := s.(*syntax.ExprStmt)
	if !ok {
		return nil, false
	}
	c, ok := markerCall(e.X, decoratorMarker)
	if !ok || len(c.Args) != 1 {
		return nil, false
	}
	return c.Args[0], true
}

// collectClass records the scopes of a class: its methods are functions
// of the enclosing scope sc; its attributes live in their own.
func (t *pyTransform) collectClass(s *syntax.DefStmt, sc *pyScope) {
	attrs := newScope(sc)
	for _, st := range s.Body {
		if d, ok := st.(*syntax.DefStmt); ok && !isClassDef(d) {
			child := newScope(sc)
			t.scopes[d] = child
			for _, p := range d.Params {
				if n := paramName(p); n != "" {
					child.locals[n] = true
					child.params = append(child.params, n)
				}
			}
			t.collect(d.Body, child, false)
			continue
		}
		t.collect([]syntax.Stmt{st}, attrs, false)
	}
	t.classScopes[s] = attrs
}

// decorate applies decorators (outermost first) to the value v.
func decorate(v syntax.Expr, decos []syntax.Expr, pos syntax.Position) syntax.Expr {
	for i := len(decos) - 1; i >= 0; i-- {
		v = &syntax.CallExpr{Fn: decos[i], Lparen: pos, Args: []syntax.Expr{v}, Rparen: pos}
	}
	return v
}

// class rewrites one class statement.
func (t *pyTransform) class(s *syntax.DefStmt, decos []syntax.Expr, c *ctx) []syntax.Stmt {
	pos := s.Def
	name := s.Name.Name
	var out []syntax.Stmt
	var bases []syntax.Expr
	for _, b := range s.Params[1:] {
		if id, ok := b.(*syntax.Ident); ok {
			bases = append(bases, t.expr(ident(id.Name, id.NamePos), c))
		} else {
			t.fail(pos, "class %s: a base class must be a name", name)
		}
	}
	classRef := func() syntax.Expr { return ident(name, pos) }
	var pairs []syntax.Expr
	var attrStmts []syntax.Stmt
	var pending []syntax.Expr
	pair := func(k string, v syntax.Expr) {
		pairs = append(pairs, &syntax.TupleExpr{Lparen: pos, List: []syntax.Expr{str(k, pos), v}, Rparen: pos})
	}
	for _, st := range s.Body {
		if d, ok := decoratorOf(st); ok {
			pending = append(pending, d)
			continue
		}
		switch st := st.(type) {
		case *syntax.DefStmt:
			if isClassDef(st) {
				t.fail(st.Def, "a class inside a class is not supported: define it at the top level")
				continue
			}
			mname := st.Name.Name
			hidden := t.fresh(name + "." + mname + "_")
			st.Name = ident(hidden, st.Name.NamePos)
			if len(st.Params) > 0 {
				self := paramName(st.Params[0])
				for _, b := range st.Body {
					rewriteSuper(b, classRef, self)
				}
			}
			out = append(out, t.def(st, c)...)
			var v syntax.Expr = ident(hidden, st.Def)
			for i := len(pending) - 1; i >= 0; i-- {
				if dot, ok := pending[i].(*syntax.DotExpr); ok && dot.Name.Name == "setter" {
					if id, ok := dot.X.(*syntax.Ident); ok {
						v = mkCall(setterName, st.Def, str(id.Name, st.Def), v)
						continue
					}
				}
				v = &syntax.CallExpr{Fn: pending[i], Lparen: st.Def, Args: []syntax.Expr{v}, Rparen: st.Def}
			}
			pending = nil
			pair(mname, v)
		case *syntax.AssignStmt:
			attrStmts = append(attrStmts, st)
			targetNames(st.LHS, func(n string) { pair(n, ident(n, pos)) })
		default:
			attrStmts = append(attrStmts, st)
		}
	}
	if len(pending) > 0 {
		t.fail(pos, "class %s: a decorator must be followed by a def", name)
	}
	attrs := t.classScopes[s]
	if attrs == nil {
		attrs = newScope(c.scope)
	}
	bodyName := t.fresh(name + ".body")
	ret := &syntax.ReturnStmt{Return: pos, Result: &syntax.ListExpr{Lbrack: pos, List: pairs, Rbrack: pos}}
	body := &syntax.DefStmt{Def: pos, Name: ident(bodyName, pos), Body: append(attrStmts, ret)}
	t.scopes[body] = attrs
	out = append(out, t.def(body, c)...)
	mk := mkCall(mkclassName, pos, str(name, pos), &syntax.TupleExpr{Lparen: pos, List: bases, Rparen: pos},
		&syntax.CallExpr{Fn: ident(bodyName, pos), Lparen: pos, Rparen: pos})
	return append(out, assign(t.target(ident(name, pos), c), decorate(mk, decos, pos)))
}

// rewriteSuper turns super() in a method into latm.super(Class, self).
func rewriteSuper(s syntax.Stmt, class func() syntax.Expr, self string) {
	syntax.Walk(s, func(n syntax.Node) bool {
		c, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		if id, ok := c.Fn.(*syntax.Ident); ok && id.Name == "super" && len(c.Args) == 0 && self != "" {
			id.Name = superName
			c.Args = []syntax.Expr{class(), ident(self, c.Lparen)}
		}
		return true
	})
}

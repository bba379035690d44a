package starlarkrt

// transformPython turns the markers the source rewrites leave (dialect_syntax.go)
// into Starlark. It runs only on programs preprocess rewrote, which were not
// valid Starlark, so no valid program changes meaning.
//
// Starlark has no statement that catches an error, and a nested function
// cannot rebind a variable of the function around it. So:
//
//   - the parts of a try statement become nested functions, run by the
//     builtin latm.try, which classifies an error into a Python exception
//     and calls the first matching handler (limit errors pass untouched);
//   - every variable a try part, a walrus, a nonlocal or a global
//     declaration assigns is "promoted": in the scope that owns it, it lives
//     in a locals object (latm.locals), and every reference to it, in that
//     scope and in the functions nested in it, reads or writes a field of
//     that object. A promoted module variable is copied back to a real
//     global at the end of the module, so that call snippets and the
//     caller see it;
//   - return, break and continue inside a try part return a marker from the
//     nested function, which the code after the latm.try call acts on;
//   - a loop's else runs unless a break of that loop ran, with a flag.
//
// Hidden names (the nested functions, the flags, the locals objects) hold a
// dot, so no program can name them, and the runtime never reports them.

import (
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/syntax"
)

// Names of the helpers the transform calls.
const (
	tryName      = "latm.try"
	retName      = "latm.ret"
	unretName    = "latm.unret"
	breakName    = "latm.BREAK"
	continueName = "latm.CONTINUE"
	localsName   = "latm.locals"
	boundName    = "latm.bound"
	setlName     = "latm.setl"
	excVarName   = "latm.exc"
)

// hiddenName reports whether a global is one of the dialect's own, which
// the runtime never shows: it is not an identifier.
func hiddenName(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			return true
		}
	}
	return false
}

// pyScope is one function (or the module) as Python scopes names.
type pyScope struct {
	parent    *pyScope
	module    bool
	locals    map[string]bool // names bound in the scope
	globals   map[string]bool // declared global
	nonlocals map[string]bool // declared nonlocal
	promoted  map[string]bool
	params    []string
	lname     string // its locals object, when promoted is not empty
}

func newScope(parent *pyScope) *pyScope {
	return &pyScope{parent: parent, locals: map[string]bool{}, globals: map[string]bool{}, nonlocals: map[string]bool{}, promoted: map[string]bool{}}
}

// owner returns the scope whose binding of a name bound in sc is meant.
func (sc *pyScope) owner(name string) *pyScope {
	switch {
	case sc.globals[name]:
		s := sc
		for !s.module {
			s = s.parent
		}
		return s
	case sc.nonlocals[name]:
		for s := sc.parent; s != nil && !s.module; s = s.parent {
			if s.locals[name] && !s.globals[name] && !s.nonlocals[name] {
				return s
			}
			if s.nonlocals[name] {
				continue
			}
		}
		return nil
	}
	return sc
}

// pyTransform holds the state of one run.
type pyTransform struct {
	scopes      map[*syntax.DefStmt]*pyScope
	classScopes map[*syntax.DefStmt]*pyScope // a class's attributes
	hasClass    bool
	module      *pyScope
	n           int // counter for hidden names
	err         error
}

func (t *pyTransform) fail(pos syntax.Position, format string, args ...any) {
	if t.err == nil {
		t.err = syntax.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
}

func (t *pyTransform) fresh(prefix string) string {
	t.n++
	return "latm." + prefix + strconv.Itoa(t.n)
}

func transformPython(f *syntax.File) error {
	_, err := transformPythonClasses(f)
	return err
}

// instanceAware are the builtins that have versions which know instances
// (their names with the prefix "latm.py."); a program that defines a class
// calls those, unless it binds the name itself. Other programs keep the
// plain builtins, which cost less.
var instanceAware = []string{"str", "repr", "len", "print"}

// transformPythonClasses is transformPython, reporting whether the program
// defines a class.
func transformPythonClasses(f *syntax.File) (bool, error) {
	t := &pyTransform{scopes: map[*syntax.DefStmt]*pyScope{}, classScopes: map[*syntax.DefStmt]*pyScope{}}
	t.module = newScope(nil)
	t.module.module = true
	t.collect(f.Stmts, t.module, false)
	if t.err != nil {
		return false, t.err
	}
	t.promote(t.module)
	if t.err != nil {
		return false, t.err
	}
	env := map[string]string{}
	if t.hasClass {
		for _, n := range instanceAware {
			if !t.module.locals[n] {
				env[n] = renamed + "latm.py." + n
			}
		}
	}
	if len(t.module.promoted) > 0 {
		t.module.lname = t.fresh("L")
		for n := range t.module.promoted {
			env[n] = t.module.lname
		}
	}
	body := t.stmts(f.Stmts, &ctx{scope: t.module, env: env})
	if t.err != nil {
		return false, t.err
	}
	if ln := t.module.lname; ln != "" {
		pos := syntax.Position{}
		if len(f.Stmts) > 0 {
			pos, _ = f.Stmts[0].Span()
		}
		head := []syntax.Stmt{assign(ident(ln, pos), mkCall(localsName, pos, &syntax.Ident{NamePos: pos, Name: "True"}))}
		// Copy promoted globals back, in a stable order.
		for _, n := range sortedKeys(t.module.promoted) {
			body = append(body, &syntax.IfStmt{If: pos,
				Cond: mkCall(boundName, pos, ident(ln, pos), str(n, pos)),
				True: []syntax.Stmt{assign(ident(n, pos), dot(ln, n, pos))}})
		}
		body = append(head, body...)
	}
	f.Stmts = body
	return t.hasClass, nil
}

// renamed marks an env entry that renames a name instead of promoting it.
const renamed = "="

// collect records, for sc and the functions nested in it, the names each
// binds and declares, and promotes what try parts and walruses bind.
func (t *pyTransform) collect(stmts []syntax.Stmt, sc *pyScope, inTry bool) {
	bind := func(n string, promote bool) {
		sc.locals[n] = true
		if promote {
			sc.promoted[n] = true
		}
	}
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.AssignStmt:
			targetNames(s.LHS, func(n string) { bind(n, inTry) })
			t.collectExpr(s.LHS, sc)
			t.collectExpr(s.RHS, sc)
		case *syntax.ExprStmt:
			if c, ok := markerCall(s.X, globalMarker); ok {
				for _, a := range c.Args {
					if n, ok := litString(a); ok {
						sc.globals[n] = true
					}
				}
				if sc.module {
					t.fail(c.Lparen, "global declaration outside a function")
				}
				continue
			}
			if c, ok := markerCall(s.X, nonlocalMarker); ok {
				for _, a := range c.Args {
					if n, ok := litString(a); ok {
						sc.nonlocals[n] = true
					}
				}
				if sc.module {
					t.fail(c.Lparen, "nonlocal declaration not allowed at module level")
				}
				continue
			}
			t.collectExpr(s.X, sc)
		case *syntax.IfStmt:
			t.collectExpr(s.Cond, sc)
			if !isMarkerIf(s, tryMarker) && !isMarkerIf(s, finallyMarker) {
				t.collect(s.True, sc, inTry)
				t.collect(s.False, sc, inTry)
				continue
			}
			t.collect(s.True, sc, true)
			cur := s
			for len(cur.False) == 1 && isExceptIf(cur.False[0]) {
				cur = cur.False[0].(*syntax.IfStmt)
				c, _ := markerCall(cur.Cond, exceptMarker)
				if len(c.Args) == 2 {
					if n, ok := litString(c.Args[1]); ok {
						bind(n, true)
					}
				}
				t.collectExpr(cur.Cond, sc)
				t.collect(cur.True, sc, true)
			}
			t.collect(cur.False, sc, true)
		case *syntax.ForStmt:
			targetNames(s.Vars, func(n string) { bind(n, inTry) })
			t.collectExpr(s.X, sc)
			t.collect(s.Body, sc, inTry)
		case *syntax.WhileStmt:
			t.collectExpr(s.Cond, sc)
			t.collect(s.Body, sc, inTry)
		case *syntax.ReturnStmt:
			t.collectExpr(s.Result, sc)
		case *syntax.DefStmt:
			bind(s.Name.Name, inTry)
			if isClassDef(s) {
				t.hasClass = true
				t.collectClass(s, sc)
				continue
			}
			child := newScope(sc)
			t.scopes[s] = child
			for _, p := range s.Params {
				if n := paramName(p); n != "" {
					child.locals[n] = true
					child.params = append(child.params, n)
				}
				if b, ok := p.(*syntax.BinaryExpr); ok {
					t.collectExpr(b.Y, sc)
				}
			}
			t.collect(s.Body, child, false)
		}
	}
}

// collectExpr finds the walruses of an expression; each binds in sc (a
// walrus in a comprehension binds in the enclosing function, as in Python).
func (t *pyTransform) collectExpr(e syntax.Expr, sc *pyScope) {
	walk(e, func(x syntax.Expr) bool {
		switch x := x.(type) {
		case *syntax.LambdaExpr:
			walk(x.Body, func(y syntax.Expr) bool {
				if _, ok := markerCall(y, walrusMarker); ok {
					t.fail(y.(*syntax.CallExpr).Lparen, "the walrus := inside a lambda is not supported: use a def")
				}
				return true
			})
			return false
		case *syntax.CallExpr:
			if _, ok := markerCall(x, walrusMarker); ok && len(x.Args) == 2 {
				if n, ok := litString(x.Args[0]); ok {
					sc.locals[n] = true
					sc.promoted[n] = true
				}
			}
		}
		return true
	})
}

// promote resolves global and nonlocal declarations: the name is promoted
// in the scope that owns it.
func (t *pyTransform) promote(sc *pyScope) {
	for _, child := range t.scopes {
		for n := range child.globals {
			t.module.promoted[n] = true
			t.module.locals[n] = true
		}
		for n := range child.nonlocals {
			o := child.owner(n)
			if o == nil {
				t.fail(syntax.Position{}, "no binding for nonlocal '%s' found", n)
				return
			}
			o.promoted[n] = true
		}
	}
}

// ctx is where a statement list is being rewritten.
type ctx struct {
	scope     *pyScope
	env       map[string]string // promoted name → locals object
	inHandler bool
}

// stmts rewrites a statement list.
func (t *pyTransform) stmts(list []syntax.Stmt, c *ctx) []syntax.Stmt {
	var out []syntax.Stmt
	var decos []syntax.Expr
	for i := 0; i < len(list); i++ {
		s := list[i]
		if d, ok := decoratorOf(s); ok {
			decos = append(decos, t.expr(d, c))
			continue
		}
		if _, isDef := s.(*syntax.DefStmt); !isDef && len(decos) > 0 {
			p, _ := s.Span()
			t.fail(p, "a decorator must be followed by a def or a class")
			decos = nil
		}
		switch s := s.(type) {
		case *syntax.AssignStmt:
			s.LHS = t.target(s.LHS, c)
			s.RHS = t.expr(s.RHS, c)
			out = append(out, s)
		case *syntax.ExprStmt:
			if _, ok := markerCall(s.X, globalMarker); ok {
				out = append(out, &syntax.BranchStmt{Token: syntax.PASS})
				continue
			}
			if _, ok := markerCall(s.X, nonlocalMarker); ok {
				out = append(out, &syntax.BranchStmt{Token: syntax.PASS})
				continue
			}
			s.X = t.expr(s.X, c)
			out = append(out, s)
		case *syntax.IfStmt:
			switch {
			case isMarkerIf(s, tryMarker):
				var fin *syntax.IfStmt
				if i+1 < len(list) {
					if f, ok := list[i+1].(*syntax.IfStmt); ok && isMarkerIf(f, finallyMarker) {
						fin = f
						i++
					}
				}
				out = append(out, t.try(s, fin, c)...)
			case isMarkerIf(s, finallyMarker):
				t.fail(s.If, "finally without try")
			case isMarkerIf(s, loopElseMarker):
				out = t.loopElse(out, s, c)
			default:
				if _, ok := markerCall(s.Cond, exceptMarker); ok {
					t.fail(s.If, "except without try")
				}
				s.Cond = t.expr(s.Cond, c)
				s.True = t.stmts(s.True, c)
				s.False = t.stmts(s.False, c)
				out = append(out, s)
			}
		case *syntax.ForStmt:
			s.Vars = t.target(s.Vars, c)
			s.X = t.expr(s.X, c)
			s.Body = t.stmts(s.Body, c)
			out = append(out, s)
		case *syntax.WhileStmt:
			s.Cond = t.expr(s.Cond, c)
			s.Body = t.stmts(s.Body, c)
			out = append(out, s)
		case *syntax.ReturnStmt:
			if s.Result != nil {
				s.Result = t.expr(s.Result, c)
			}
			out = append(out, s)
		case *syntax.DefStmt:
			if isClassDef(s) {
				out = append(out, t.class(s, decos, c)...)
			} else {
				out = append(out, t.def(s, c)...)
				if len(decos) > 0 {
					out = append(out, assign(t.target(ident(s.Name.Name, s.Def), c), decorate(ident(s.Name.Name, s.Def), decos, s.Def)))
				}
			}
			decos = nil
		default:
			out = append(out, s)
		}
	}
	return out
}

// def rewrites a nested function: defaults in the enclosing scope, the
// body in its own, with its promoted locals in a fresh locals object.
func (t *pyTransform) def(s *syntax.DefStmt, c *ctx) []syntax.Stmt {
	for _, p := range s.Params {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = t.expr(b.Y, c)
		}
	}
	child := t.scopes[s]
	if child == nil {
		child = newScope(c.scope)
	}
	env := map[string]string{}
	for n, l := range c.env {
		if !child.locals[n] || child.globals[n] || child.nonlocals[n] {
			env[n] = l
		}
	}
	for n := range child.globals {
		env[n] = t.module.lname
	}
	var head []syntax.Stmt
	if len(child.promoted) > 0 {
		child.lname = t.fresh("L")
		for n := range child.promoted {
			env[n] = child.lname
		}
		pos := s.Def
		head = append(head, assign(ident(child.lname, pos), mkCall(localsName, pos)))
		for _, p := range child.params {
			if child.promoted[p] {
				head = append(head, assign(dot(child.lname, p, pos), ident(p, pos)))
			}
		}
	}
	s.Body = append(head, t.stmts(s.Body, &ctx{scope: child, env: env})...)
	out := []syntax.Stmt{s}
	if l, ok := c.env[s.Name.Name]; ok {
		out = append(out, assign(dot(l, s.Name.Name, s.Def), ident(s.Name.Name, s.Def)))
	}
	return out
}

// target rewrites an assignment target.
func (t *pyTransform) target(e syntax.Expr, c *ctx) syntax.Expr {
	switch x := e.(type) {
	case *syntax.Ident:
		if l, ok := c.env[x.Name]; ok && !strings.HasPrefix(l, renamed) {
			return dot(l, x.Name, x.NamePos)
		}
		return x
	case *syntax.TupleExpr:
		for i, y := range x.List {
			x.List[i] = t.target(y, c)
		}
		return x
	case *syntax.ListExpr:
		for i, y := range x.List {
			x.List[i] = t.target(y, c)
		}
		return x
	case *syntax.ParenExpr:
		x.X = t.target(x.X, c)
		return x
	}
	return t.expr(e, c)
}

// expr rewrites an expression: promoted names, walruses, bare raise.
func (t *pyTransform) expr(e syntax.Expr, c *ctx) syntax.Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *syntax.Ident:
		if l, ok := c.env[x.Name]; ok {
			if strings.HasPrefix(l, renamed) {
				return ident(l[len(renamed):], x.NamePos)
			}
			return dot(l, x.Name, x.NamePos)
		}
	case *syntax.CallExpr:
		if n, ok := walrusName(x); ok && c.env[n] != "" {
			return mkCall(setlName, x.Lparen, ident(c.env[n], x.Lparen), x.Args[0], t.expr(x.Args[1], c))
		}
		if _, ok := markerCall(x, raiseMarker); ok && len(x.Args) == 0 && c.inHandler {
			x.Args = []syntax.Expr{ident(excVarName, x.Lparen)}
			return x
		}
		x.Fn = t.expr(x.Fn, c)
		for i, a := range x.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = t.expr(b.Y, c)
				continue
			}
			x.Args[i] = t.expr(a, c)
		}
	case *syntax.DotExpr:
		x.X = t.expr(x.X, c)
	case *syntax.IndexExpr:
		x.X, x.Y = t.expr(x.X, c), t.expr(x.Y, c)
	case *syntax.SliceExpr:
		x.X, x.Lo, x.Hi, x.Step = t.expr(x.X, c), t.expr(x.Lo, c), t.expr(x.Hi, c), t.expr(x.Step, c)
	case *syntax.UnaryExpr:
		x.X = t.expr(x.X, c)
	case *syntax.BinaryExpr:
		x.X, x.Y = t.expr(x.X, c), t.expr(x.Y, c)
	case *syntax.CondExpr:
		x.Cond, x.True, x.False = t.expr(x.Cond, c), t.expr(x.True, c), t.expr(x.False, c)
	case *syntax.ParenExpr:
		x.X = t.expr(x.X, c)
	case *syntax.ListExpr:
		for i, y := range x.List {
			x.List[i] = t.expr(y, c)
		}
	case *syntax.TupleExpr:
		for i, y := range x.List {
			x.List[i] = t.expr(y, c)
		}
	case *syntax.DictExpr:
		for i, y := range x.List {
			x.List[i] = t.expr(y, c)
		}
	case *syntax.DictEntry:
		x.Key, x.Value = t.expr(x.Key, c), t.expr(x.Value, c)
	case *syntax.LambdaExpr:
		inner := &ctx{scope: c.scope, env: map[string]string{}, inHandler: c.inHandler}
		params := map[string]bool{}
		for _, p := range x.Params {
			params[paramName(p)] = true
			if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = t.expr(b.Y, c)
			}
		}
		for n, l := range c.env {
			if !params[n] {
				inner.env[n] = l
			}
		}
		x.Body = t.expr(x.Body, inner)
	case *syntax.Comprehension:
		inner := &ctx{scope: c.scope, env: map[string]string{}, inHandler: c.inHandler}
		vars := map[string]bool{}
		for _, cl := range x.Clauses {
			if f, ok := cl.(*syntax.ForClause); ok {
				targetNames(f.Vars, func(n string) { vars[n] = true })
			}
		}
		for n, l := range c.env {
			if !vars[n] {
				inner.env[n] = l
			}
		}
		for _, cl := range x.Clauses {
			switch cl := cl.(type) {
			case *syntax.ForClause:
				cl.X = t.expr(cl.X, inner)
			case *syntax.IfClause:
				cl.Cond = t.expr(cl.Cond, inner)
			}
		}
		x.Body = t.expr(x.Body, inner)
	}
	return e
}

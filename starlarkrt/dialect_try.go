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
	"sort"
	"strconv"

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
	scopes map[*syntax.DefStmt]*pyScope
	module *pyScope
	n      int // counter for hidden names
	err    error
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
	t := &pyTransform{scopes: map[*syntax.DefStmt]*pyScope{}}
	t.module = newScope(nil)
	t.module.module = true
	t.collect(f.Stmts, t.module, false)
	if t.err != nil {
		return t.err
	}
	t.promote(t.module)
	if t.err != nil {
		return t.err
	}
	env := map[string]string{}
	if len(t.module.promoted) > 0 {
		t.module.lname = t.fresh("L")
		for n := range t.module.promoted {
			env[n] = t.module.lname
		}
	}
	body := t.stmts(f.Stmts, &ctx{scope: t.module, env: env})
	if t.err != nil {
		return t.err
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
	return nil
}

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
	for i := 0; i < len(list); i++ {
		s := list[i]
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
			out = append(out, t.def(s, c)...)
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
		if l, ok := c.env[x.Name]; ok {
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

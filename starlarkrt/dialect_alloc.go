package starlarkrt

// The interpreter's own sequence building. go.starlark.net makes the result
// of s * n, xs * n, a + b and xs += ys in one step no builtin sees, so no
// guard could refuse 'x' * 350000000 or [0] * 10**9 before it exists, and
// in process the second is a 16 GB request that ends the whole process.
// rewriteAllocs routes those operators, wherever an operand may be a
// string, list or tuple (dialect_types.go), through helpers that check the
// size of the result against the memory limit first (callstate.CheckAlloc)
// and then apply Starlark's own operator, so every program that stays
// within its limits keeps its meaning, its result and its step count:
//
//	x * y        →  latm.mul(x, y)
//	x + y        →  latm.add(x, y)
//	t *= y       →  t *= latm.mulsize(t, y)   (the check; y is returned)
//	t += y       →  t += latm.addsize(t, y)
//
// An augmented assignment keeps its own operator, so a list += still
// extends the list in place; the check reads the target once more, which
// is rewritten only when reading it has no effect (a name, or an index or
// field of names and literals). Products of two numbers, sums with a
// number, and a repeat of two literals whose result is small keep
// Starlark's own operator.

import (
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

const (
	mulName     = "latm.mul"
	addName     = "latm.add"
	mulSizeName = "latm.mulsize"
	addSizeName = "latm.addsize"
)

// checkFloor is the result size below which the helpers skip the check: a
// result that small cannot take a call meaningfully past its limit, and
// the sampled heap guard sees many of them.
const checkFloor = 64 << 10

// literalRepeatMax is the largest result of a repeat of two literals
// ('-' * 40) left to Starlark's own operator.
const literalRepeatMax = 4096

// addAllocHelpers adds the helpers to the predeclared names d.
func addAllocHelpers(d starlark.StringDict) {
	d[mulName] = starlark.NewBuiltin(mulName, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if err := checkBinary(thread, syntax.STAR, args); err != nil {
			return nil, err
		}
		return starlark.Binary(syntax.STAR, args[0], args[1])
	})
	d[addName] = starlark.NewBuiltin(addName, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if err := checkBinary(thread, syntax.PLUS, args); err != nil {
			return nil, err
		}
		return starlark.Binary(syntax.PLUS, args[0], args[1])
	})
	d[mulSizeName] = starlark.NewBuiltin(mulSizeName, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if err := checkBinary(thread, syntax.STAR, args); err != nil {
			return nil, err
		}
		return args[1], nil
	})
	d[addSizeName] = starlark.NewBuiltin(addSizeName, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if err := checkBinary(thread, syntax.PLUS, args); err != nil {
			return nil, err
		}
		return args[1], nil
	})
}

// checkBinary checks the size of x op y (args = x, y) against the memory
// limit before it is made.
func checkBinary(thread *starlark.Thread, op syntax.Token, args starlark.Tuple) error {
	if len(args) != 2 {
		return nil // the compiler never emits this; Binary reports it
	}
	var n int64
	if op == syntax.STAR {
		n = repeatSize(args[0], args[1])
		if n == 0 {
			n = repeatSize(args[1], args[0])
		}
	} else {
		n = concatSize(args[0], args[1])
	}
	if n < checkFloor {
		return nil
	}
	return callstate.CheckAlloc(thread, n)
}

// repeatSize is the size in bytes of seq * count, 0 when it is not a
// repeat of a string, bytes, list or tuple.
func repeatSize(seq, count starlark.Value) int64 {
	c, ok := count.(starlark.Int)
	if !ok {
		return 0
	}
	k, ok := c.Int64()
	if !ok {
		k = 1 << 62
	}
	if k <= 0 {
		return 0
	}
	switch s := seq.(type) {
	case starlark.String:
		return callstate.Mul(int64(len(s)), k)
	case starlark.Bytes:
		return callstate.Mul(int64(len(s)), k)
	case starlark.Mapping:
		return 0 // no repeat
	case starlark.Sequence: // list, tuple, and the modules' (namedtuple, deque)
		return callstate.Mul(callstate.Mul(int64(s.Len()), k), elemBytes)
	}
	return 0
}

// concatSize is the size in bytes of x + y (or x += y), 0 when it is not
// a concatenation of strings, bytes, lists or tuples.
func concatSize(x, y starlark.Value) int64 {
	switch x := x.(type) {
	case starlark.String:
		if y, ok := y.(starlark.String); ok {
			return int64(len(x)) + int64(len(y))
		}
	case starlark.Bytes:
		if y, ok := y.(starlark.Bytes); ok {
			return int64(len(x)) + int64(len(y))
		}
	case starlark.Mapping:
		return 0 // no concatenation
	case starlark.Sequence: // list (+= takes any iterable), tuple, namedtuple, deque
		if n := starlark.Len(y); n >= 0 {
			return callstate.Mul(int64(x.Len())+int64(n), elemBytes)
		}
	}
	return 0
}

// rewriteAllocs applies the rewrites above to f, with the kinds ti infers.
// It returns the subscripts, slices and loops whose operand it knows is
// not a string, for the later rewrites to leave to Starlark.
func rewriteAllocs(f *syntax.File, ti *typeInfo) *plainOps {
	r := &allocRewriter{ti: ti, seen: map[string]bool{}, plain: &plainOps{nodes: map[syntax.Node]bool{}}}
	r.stmts(f.Stmts, ti.module)
	return r.plain
}

// plainOps are the nodes (subscripts, slices, for statements and clauses)
// whose operand is known not to be a string, so that Starlark's own
// operation means what Python's does.
type plainOps struct{ nodes map[syntax.Node]bool }

// plain reports whether n is one of them (p may be nil: none).
func (p *plainOps) plain(n syntax.Node) bool { return p != nil && p.nodes[n] }

// iter returns the iterable x of loop n, wrapped in latm.iter unless n is
// plain.
func (p *plainOps) iter(n syntax.Node, x syntax.Expr) syntax.Expr {
	if p.plain(n) {
		return x
	}
	return wrapIter(x)
}

// note records n as plain when its operand e is known not to be a string.
func (r *allocRewriter) note(n syntax.Node, e syntax.Expr, sc *tscope) {
	if r.ti.kindOf(e, sc).notString() {
		r.plain.nodes[n] = true
	}
}

type allocRewriter struct {
	ti    *typeInfo
	plain *plainOps
	// seen holds the module-level names bound by the statements before
	// the current one. At module level the resolver reports a name read
	// before any binding as undefined, at compile time, where the
	// original augmented assignment fails only when it runs; so a module-
	// level t += y is rewritten only once t has been bound above it.
	seen map[string]bool
}

// see records the names a module-level statement binds.
func (r *allocRewriter) see(s syntax.Stmt, sc *tscope) {
	if sc != r.ti.module {
		return
	}
	switch s := s.(type) {
	case *syntax.AssignStmt:
		targetNames(s.LHS, func(n string) { r.seen[n] = true })
	case *syntax.ForStmt:
		targetNames(s.Vars, func(n string) { r.seen[n] = true })
	case *syntax.DefStmt:
		r.seen[s.Name.Name] = true
	case *syntax.LoadStmt:
		for _, id := range s.To {
			r.seen[id.Name] = true
		}
	}
}

func (r *allocRewriter) stmts(stmts []syntax.Stmt, sc *tscope) {
	for _, s := range stmts {
		r.stmt(s, sc)
		r.see(s, sc)
	}
}

func (r *allocRewriter) stmt(s syntax.Stmt, sc *tscope) {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		if s.Op == syntax.STAR_EQ || s.Op == syntax.PLUS_EQ {
			r.augmented(s, sc)
			return
		}
		s.LHS = r.target(s.LHS, sc)
		s.RHS = r.expr(s.RHS, sc)
	case *syntax.ExprStmt:
		s.X = r.expr(s.X, sc)
	case *syntax.IfStmt:
		s.Cond = r.expr(s.Cond, sc)
		r.stmts(s.True, sc)
		r.stmts(s.False, sc)
	case *syntax.ForStmt:
		r.note(s, s.X, sc)
		s.Vars = r.target(s.Vars, sc)
		s.X = r.expr(s.X, sc)
		r.stmts(s.Body, sc)
	case *syntax.WhileStmt:
		s.Cond = r.expr(s.Cond, sc)
		r.stmts(s.Body, sc)
	case *syntax.DefStmt:
		r.params(s.Params, sc)
		r.stmts(s.Body, r.scope(s, sc))
	case *syntax.ReturnStmt:
		s.Result = r.expr(s.Result, sc)
	}
}

func (r *allocRewriter) scope(n syntax.Node, outer *tscope) *tscope {
	if s, ok := r.ti.scopes[n]; ok {
		return s
	}
	return outer
}

// augmented rewrites t *= y and t += y.
func (r *allocRewriter) augmented(s *syntax.AssignStmt, sc *tscope) {
	op := augOp(s.Op)
	kt, ky := r.ti.kindOf(s.LHS, sc), r.ti.kindOf(s.RHS, sc)
	s.RHS = r.expr(s.RHS, sc)
	read, pure := pureCopy(s.LHS)
	s.LHS = r.target(s.LHS, sc)
	check := needsCheck(op, kt, ky, nil, nil)
	if op == syntax.PLUS {
		// A list += extends the list by any iterable (a range, a set).
		check = !kt.noSeq() && ky != kNum
	}
	if !pure || !check {
		return
	}
	if sc == r.ti.module && !r.boundAbove(read) {
		return
	}
	name := addSizeName
	if op == syntax.STAR {
		name = mulSizeName
	}
	s.RHS = mkCall(name, s.OpPos, read, s.RHS)
}

// needsCheck reports whether x op y, of kinds a and b (x and y the
// operand expressions, or nil), may build a sequence.
func needsCheck(op syntax.Token, a, b kind, x, y syntax.Expr) bool {
	switch op {
	case syntax.STAR:
		// A repeat needs a sequence.
		if a.noSeq() && b.noSeq() {
			return false
		}
		if x != nil && y != nil && literalRepeat(x, y) {
			return false
		}
		return true
	case syntax.PLUS:
		// A concatenation needs two sequences.
		return !a.noSeq() && !b.noSeq()
	}
	return false
}

// literalRepeat reports whether x * y is a string literal times an int
// literal (either way round) of at most literalRepeatMax bytes.
func literalRepeat(x, y syntax.Expr) bool {
	s, ok := unparen(x).(*syntax.Literal)
	n, ok2 := unparen(y).(*syntax.Literal)
	if !ok || !ok2 {
		s, ok = unparen(y).(*syntax.Literal)
		n, ok2 = unparen(x).(*syntax.Literal)
	}
	if !ok || !ok2 || s.Token != syntax.STRING || n.Token != syntax.INT {
		return false
	}
	str, _ := s.Value.(string)
	k, ok := n.Value.(int64)
	return ok && k <= literalRepeatMax && int64(len(str))*k <= literalRepeatMax
}

// pureCopy returns a copy of target t as an expression to read, and
// whether reading it has no effect and cannot fail differently from the
// assignment: a name, or an index or field whose parts are names and
// literals.
func pureCopy(t syntax.Expr) (syntax.Expr, bool) {
	switch x := t.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: x.NamePos, Name: x.Name}, true
	case *syntax.Literal:
		c := *x
		return &c, true
	case *syntax.ParenExpr:
		return pureCopy(x.X)
	case *syntax.DotExpr:
		obj, ok := pureCopy(x.X)
		if !ok {
			return nil, false
		}
		return &syntax.DotExpr{X: obj, Dot: x.Dot, NamePos: x.NamePos, Name: &syntax.Ident{NamePos: x.Name.NamePos, Name: x.Name.Name}}, true
	case *syntax.IndexExpr:
		obj, ok := pureCopy(x.X)
		if !ok {
			return nil, false
		}
		key, ok := pureCopy(x.Y)
		if !ok {
			return nil, false
		}
		return &syntax.IndexExpr{X: obj, Lbrack: x.Lbrack, Y: key, Rbrack: x.Rbrack}, true
	}
	return nil, false
}

// boundAbove reports whether every name read in e is bound above the
// current module-level statement.
func (r *allocRewriter) boundAbove(e syntax.Expr) bool {
	ok := true
	walk(e, func(n syntax.Expr) bool {
		if id, isID := n.(*syntax.Ident); isID && !r.seen[id.Name] && r.ti.bound[id.Name] {
			ok = false
		}
		return ok
	})
	return ok
}

func (r *allocRewriter) params(params []syntax.Expr, sc *tscope) {
	for _, p := range params {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = r.expr(b.Y, sc)
		}
	}
}

// target rewrites the expressions inside an assignment target.
func (r *allocRewriter) target(e syntax.Expr, sc *tscope) syntax.Expr {
	switch x := e.(type) {
	case *syntax.IndexExpr:
		x.X, x.Y = r.expr(x.X, sc), r.expr(x.Y, sc)
	case *syntax.DotExpr:
		x.X = r.expr(x.X, sc)
	case *syntax.ParenExpr:
		x.X = r.target(x.X, sc)
	case *syntax.TupleExpr:
		for i, y := range x.List {
			x.List[i] = r.target(y, sc)
		}
	case *syntax.ListExpr:
		for i, y := range x.List {
			x.List[i] = r.target(y, sc)
		}
	}
	return e
}

func (r *allocRewriter) list(xs []syntax.Expr, sc *tscope) {
	for i, x := range xs {
		xs[i] = r.expr(x, sc)
	}
}

func (r *allocRewriter) expr(e syntax.Expr, sc *tscope) syntax.Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *syntax.BinaryExpr:
		if x.Op == syntax.STAR || x.Op == syntax.PLUS {
			a, b := r.ti.kindOf(x.X, sc), r.ti.kindOf(x.Y, sc)
			check := needsCheck(x.Op, a, b, x.X, x.Y)
			x.X, x.Y = r.expr(x.X, sc), r.expr(x.Y, sc)
			if !check {
				return x
			}
			name := addName
			if x.Op == syntax.STAR {
				name = mulName
			}
			return mkCall(name, x.OpPos, x.X, x.Y)
		}
		x.X, x.Y = r.expr(x.X, sc), r.expr(x.Y, sc)
	case *syntax.ParenExpr:
		x.X = r.expr(x.X, sc)
	case *syntax.CallExpr:
		x.Fn = r.expr(x.Fn, sc)
		for i, a := range x.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = r.expr(b.Y, sc) // keyword argument: keep the name
				continue
			}
			x.Args[i] = r.expr(a, sc)
		}
	case *syntax.DotExpr:
		x.X = r.expr(x.X, sc)
	case *syntax.IndexExpr:
		r.note(x, x.X, sc)
		x.X, x.Y = r.expr(x.X, sc), r.expr(x.Y, sc)
	case *syntax.SliceExpr:
		r.note(x, x.X, sc)
		x.X, x.Lo, x.Hi, x.Step = r.expr(x.X, sc), r.expr(x.Lo, sc), r.expr(x.Hi, sc), r.expr(x.Step, sc)
	case *syntax.UnaryExpr:
		x.X = r.expr(x.X, sc)
	case *syntax.CondExpr:
		x.Cond, x.True, x.False = r.expr(x.Cond, sc), r.expr(x.True, sc), r.expr(x.False, sc)
	case *syntax.ListExpr:
		r.list(x.List, sc)
	case *syntax.TupleExpr:
		r.list(x.List, sc)
	case *syntax.DictExpr:
		r.list(x.List, sc)
	case *syntax.DictEntry:
		x.Key, x.Value = r.expr(x.Key, sc), r.expr(x.Value, sc)
	case *syntax.LambdaExpr:
		r.params(x.Params, sc)
		x.Body = r.expr(x.Body, r.scope(x, sc))
	case *syntax.Comprehension:
		inner := r.scope(x, sc)
		for i, c := range x.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				xsc := inner
				if i == 0 {
					xsc = sc
				}
				r.note(c, c.X, xsc)
				c.Vars = r.target(c.Vars, inner)
				c.X = r.expr(c.X, xsc)
			case *syntax.IfClause:
				c.Cond = r.expr(c.Cond, inner)
			}
		}
		x.Body = r.expr(x.Body, inner)
	}
	return e
}

package starlarkrt

// Static types, as far as the dialect's rewrites need them. Several
// rewrites route an operation through a helper (x[i] through latm.index,
// x * n through latm.mul, for loops through latm.iter) only because the
// operand might be a string, or a string or list that would grow past the
// memory limit. A call of a helper costs several times the bytecode
// operation it replaces, so the rewrites ask this inference first and keep
// Starlark's own operation where the operand's type is known not to need
// the helper: an index into a list literal's variable, a product of two
// numbers, a loop over range(n).
//
// The inference is flow-insensitive and by scope, as Python's (a name bound
// anywhere in a def is local to all of it): a name's type is the join of
// the types of every value bound to it in its scope (assignments, augmented
// assignments, loop and comprehension variables, parameters, defs), found
// as the least fixed point from "no value yet". Starlark binds names in no
// other way, so every value a name can hold comes from one of those
// bindings, and a name whose bindings all give, say, a list holds a list
// whenever it is read. Names the file does not bind (predeclared ones, a
// tool's globals seen from a call snippet) are of unknown type, except the
// builtins whose result type is fixed (len, int, range, sorted, ...), and
// those only while the file binds no name of theirs anywhere and the
// snippet's tool defines none either.

import "go.starlark.net/syntax"

// kind is what the inference knows of a value's type: nothing yet
// (kNone), exactly one type, or anything (kAny).
type kind uint8

const (
	kNone  kind = iota // no value reaches here (yet)
	kNum               // an int or a float (never a bool)
	kStr               // a string
	kList              // a list
	kTuple             // a tuple
	kDict              // a dict
	kRange             // a range
	// kScalar is a value that is none of a string, bytes, list, tuple or
	// other sequence that + or * concatenates or repeats: a number, a bool,
	// a dict, a set, a date, the result of -, /, // or a comparison.
	kScalar
	kAny // unknown
)

func joinKind(a, b kind) kind {
	switch {
	case a == kNone:
		return b
	case b == kNone, a == b:
		return a
	case a.noSeq() && b.noSeq():
		return kScalar
	}
	return kAny
}

// notString reports whether a value of kind k is known not to be a
// string, so that Starlark indexes and iterates it as Python does.
func (k kind) notString() bool { return k != kStr && k != kAny }

// noSeq reports whether a value of kind k is known not to be a sequence
// that + or * could concatenate or repeat.
func (k kind) noSeq() bool {
	return k == kNone || k == kNum || k == kScalar || k == kDict || k == kRange
}

// tscope is one scope: the module, a def, a lambda or a comprehension.
type tscope struct {
	parent *tscope
	names  map[string]kind // the names bound here, and their kinds
}

func (s *tscope) bind(name string) {
	if _, ok := s.names[name]; !ok {
		s.names[name] = kNone
	}
}

// tbinding is one binding of a name: eval gives the kind of what it binds
// under the current assumptions.
type tbinding struct {
	scope *tscope
	name  string
	eval  func() kind
}

// typeInfo is the inference of one file.
type typeInfo struct {
	module   *tscope
	scopes   map[syntax.Node]*tscope // of each def, lambda and comprehension
	bindings []tbinding
	bound    map[string]bool   // every name bound anywhere in the file
	shadowed func(string) bool // names defined outside the file (a tool's globals), or nil
	failed   bool              // no fixed point in time: every name is of unknown kind
	// memo holds the kinds of expressions once the fixed point is
	// reached, so that the rewrites, which ask of every operand of a
	// chain a + b + c + ..., take linear time.
	memo map[syntax.Expr]kind
}

// maxInferRounds bounds the fixed-point iteration; each round that changes
// something raises at least one name's kind, so a file needs about three
// rounds per chain of names that depend on each other.
const maxInferRounds = 64

// inferTypes infers the kinds of the names of f. shadowed, when not nil,
// reports the names the program sees beyond the predeclared ones.
func inferTypes(f *syntax.File, shadowed func(string) bool) *typeInfo {
	ti := &typeInfo{
		module:   &tscope{names: map[string]kind{}},
		scopes:   map[syntax.Node]*tscope{},
		bound:    map[string]bool{},
		shadowed: shadowed,
	}
	ti.stmts(f.Stmts, ti.module)
	for round := 0; ; round++ {
		if round == maxInferRounds {
			ti.failed = true
			break
		}
		changed := false
		for _, b := range ti.bindings {
			old := b.scope.names[b.name]
			if k := joinKind(old, b.eval()); k != old {
				b.scope.names[b.name] = k
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	ti.memo = map[syntax.Expr]kind{}
	return ti
}

func (ti *typeInfo) newScope(n syntax.Node, parent *tscope) *tscope {
	s := &tscope{parent: parent, names: map[string]kind{}}
	ti.scopes[n] = s
	return s
}

func (ti *typeInfo) add(sc *tscope, name string, eval func() kind) {
	sc.bind(name)
	ti.bound[name] = true
	ti.bindings = append(ti.bindings, tbinding{sc, name, eval})
}

func anyKind() kind { return kAny }

// target records the names a target binds to values of kind eval gives;
// a tuple or list target pairs with a tuple or list display of the same
// length, element by element.
func (ti *typeInfo) target(e syntax.Expr, rhs syntax.Expr, sc, rsc *tscope, eval func() kind) {
	switch x := e.(type) {
	case *syntax.Ident:
		ti.add(sc, x.Name, eval)
	case *syntax.ParenExpr:
		ti.target(x.X, rhs, sc, rsc, eval)
	case *syntax.TupleExpr, *syntax.ListExpr:
		var elems []syntax.Expr
		if t, ok := e.(*syntax.TupleExpr); ok {
			elems = t.List
		} else {
			elems = e.(*syntax.ListExpr).List
		}
		var parts []syntax.Expr
		switch r := unparen(rhs).(type) {
		case *syntax.TupleExpr:
			parts = r.List
		case *syntax.ListExpr:
			parts = r.List
		}
		for i, el := range elems {
			if len(parts) == len(elems) {
				p := parts[i]
				ti.target(el, p, sc, rsc, func() kind { return ti.kindOf(p, rsc) })
			} else {
				ti.target(el, nil, sc, rsc, anyKind)
			}
		}
	default:
		// x[i], x.f: binds no name. Their subexpressions may hold lambdas.
		ti.expr(e, sc)
	}
}

func unparen(e syntax.Expr) syntax.Expr {
	for {
		p, ok := e.(*syntax.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

func (ti *typeInfo) stmts(stmts []syntax.Stmt, sc *tscope) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.AssignStmt:
			ti.expr(s.RHS, sc)
			if s.Op == syntax.EQ {
				rhs := s.RHS
				ti.target(s.LHS, rhs, sc, sc, func() kind { return ti.kindOf(rhs, sc) })
				continue
			}
			if id, ok := s.LHS.(*syntax.Ident); ok {
				op, rhs := augOp(s.Op), s.RHS
				ti.add(sc, id.Name, func() kind {
					x := ti.lookup(id.Name, sc)
					if op == syntax.PLUS && x == kList {
						return kList // list += iterable extends the list
					}
					return binaryKind(op, x, ti.kindOf(rhs, sc))
				})
				continue
			}
			ti.expr(s.LHS, sc)
		case *syntax.ExprStmt:
			ti.expr(s.X, sc)
		case *syntax.IfStmt:
			ti.expr(s.Cond, sc)
			ti.stmts(s.True, sc)
			ti.stmts(s.False, sc)
		case *syntax.ForStmt:
			ti.expr(s.X, sc)
			ti.loopVars(s.Vars, s.X, sc, sc)
			ti.stmts(s.Body, sc)
		case *syntax.WhileStmt:
			ti.expr(s.Cond, sc)
			ti.stmts(s.Body, sc)
		case *syntax.DefStmt:
			ti.add(sc, s.Name.Name, anyKind)
			inner := ti.newScope(s, sc)
			ti.params(s.Params, sc, inner)
			ti.stmts(s.Body, inner)
		case *syntax.ReturnStmt:
			ti.expr(s.Result, sc)
		case *syntax.LoadStmt:
			for _, id := range s.To {
				ti.add(sc, id.Name, anyKind)
			}
		}
	}
}

// params binds the parameters of a def or lambda in inner; their default
// values are evaluated in outer.
func (ti *typeInfo) params(params []syntax.Expr, outer, inner *tscope) {
	for _, p := range params {
		switch x := p.(type) {
		case *syntax.BinaryExpr:
			ti.expr(x.Y, outer)
		}
		if n := paramName(p); n != "" {
			ti.add(inner, n, anyKind)
		}
	}
}

// loopVars binds the variables of a for loop or clause over x (evaluated
// in xsc): a variable over range(...) is a number, over a string a string,
// and i in `for i, v in enumerate(...)` a number.
func (ti *typeInfo) loopVars(vars, x syntax.Expr, sc, xsc *tscope) {
	if t, ok := unparen(vars).(*syntax.TupleExpr); ok && len(t.List) == 2 && ti.trustedCall(x, "enumerate") {
		ti.target(t.List[0], nil, sc, xsc, func() kind { return kNum })
		ti.target(t.List[1], nil, sc, xsc, anyKind)
		return
	}
	ti.target(vars, nil, sc, xsc, func() kind {
		switch ti.kindOf(x, xsc) {
		case kNone:
			return kNone
		case kRange:
			return kNum
		case kStr:
			return kStr
		}
		return kAny
	})
}

// expr visits e for the scopes it opens (lambdas, comprehensions) and the
// names they bind.
func (ti *typeInfo) expr(e syntax.Expr, sc *tscope) {
	walk(e, func(n syntax.Expr) bool {
		switch n := n.(type) {
		case *syntax.LambdaExpr:
			inner := ti.newScope(n, sc)
			ti.params(n.Params, sc, inner)
			ti.expr(n.Body, inner)
			return false
		case *syntax.Comprehension:
			inner := ti.newScope(n, sc)
			for i, c := range n.Clauses {
				switch c := c.(type) {
				case *syntax.ForClause:
					xsc := inner
					if i == 0 {
						xsc = sc // the first iterable is evaluated outside
					}
					ti.expr(c.X, xsc)
					ti.loopVars(c.Vars, c.X, inner, xsc)
				case *syntax.IfClause:
					ti.expr(c.Cond, inner)
				}
			}
			ti.expr(n.Body, inner)
			return false
		}
		return true
	})
}

// lookup returns the kind of the name as read in sc, kAny for a name the
// file does not bind.
func (ti *typeInfo) lookup(name string, sc *tscope) kind {
	if ti.failed {
		return kAny
	}
	for s := sc; s != nil; s = s.parent {
		if k, ok := s.names[name]; ok {
			return k
		}
	}
	return kAny
}

// trusted reports whether name, read anywhere in the file, is the
// predeclared builtin of that name.
func (ti *typeInfo) trusted(name string) bool {
	return !ti.bound[name] && (ti.shadowed == nil || !ti.shadowed(name))
}

// trustedCall reports whether e is a call of the predeclared builtin fn.
func (ti *typeInfo) trustedCall(e syntax.Expr, fn string) bool {
	c, ok := unparen(e).(*syntax.CallExpr)
	if !ok {
		return false
	}
	id, ok := c.Fn.(*syntax.Ident)
	return ok && id.Name == fn && ti.trusted(fn)
}

// builtinKinds are the result kinds of the predeclared builtins whose
// result type does not depend on their arguments (they fail otherwise).
var builtinKinds = map[string]kind{
	"len": kNum, "int": kNum, "float": kNum, "ord": kNum, "hash": kNum,
	"str": kStr, "repr": kStr, "chr": kStr,
	"list": kList, "sorted": kList, "reversed": kList, "enumerate": kList, "zip": kList,
	"tuple": kTuple, "dict": kDict, "range": kRange,
}

// strMethodKinds are the result kinds of string methods.
var strMethodKinds = map[string]kind{
	"upper": kStr, "lower": kStr, "strip": kStr, "lstrip": kStr, "rstrip": kStr,
	"replace": kStr, "title": kStr, "capitalize": kStr, "swapcase": kStr, "format": kStr,
	"join": kStr, "zfill": kStr, "ljust": kStr, "rjust": kStr, "center": kStr,
	"removeprefix": kStr, "removesuffix": kStr,
	"split": kList, "rsplit": kList, "splitlines": kList,
	"find": kNum, "rfind": kNum, "index": kNum, "rindex": kNum, "count": kNum,
	"partition": kTuple, "rpartition": kTuple,
}

// dictMethodKinds are the result kinds of dict methods (lists in Starlark).
var dictMethodKinds = map[string]kind{"keys": kList, "values": kList, "items": kList}

// kindOf returns the kind of the value of e, read in scope sc.
func (ti *typeInfo) kindOf(e syntax.Expr, sc *tscope) kind {
	if ti.failed {
		return kAny
	}
	if ti.memo == nil {
		return ti.kindOfExpr(e, sc)
	}
	if k, ok := ti.memo[e]; ok {
		return k
	}
	k := ti.kindOfExpr(e, sc)
	ti.memo[e] = k
	return k
}

func (ti *typeInfo) kindOfExpr(e syntax.Expr, sc *tscope) kind {
	switch x := e.(type) {
	case *syntax.Literal:
		switch x.Token {
		case syntax.INT, syntax.FLOAT:
			return kNum
		case syntax.STRING:
			return kStr
		}
	case *syntax.Ident:
		return ti.lookup(x.Name, sc)
	case *syntax.ParenExpr:
		return ti.kindOf(x.X, sc)
	case *syntax.UnaryExpr:
		k := ti.kindOf(x.X, sc)
		if k == kNone || (k == kNum && x.Op != syntax.NOT) {
			return k
		}
		return kScalar // a number, a bool or a set
	case *syntax.BinaryExpr:
		switch x.Op {
		case syntax.AND, syntax.OR:
			return joinKind(ti.kindOf(x.X, sc), ti.kindOf(x.Y, sc))
		}
		return binaryKind(x.Op, ti.kindOf(x.X, sc), ti.kindOf(x.Y, sc))
	case *syntax.CondExpr:
		return joinKind(ti.kindOf(x.True, sc), ti.kindOf(x.False, sc))
	case *syntax.ListExpr:
		return kList
	case *syntax.TupleExpr:
		return kTuple
	case *syntax.DictExpr:
		return kDict
	case *syntax.Comprehension:
		if !x.Curly {
			return kList
		}
		if _, ok := x.Body.(*syntax.DictEntry); ok {
			return kDict
		}
	case *syntax.SliceExpr:
		switch k := ti.kindOf(x.X, sc); k {
		case kNone, kStr, kList, kTuple:
			return k
		}
	case *syntax.IndexExpr:
		if k := ti.kindOf(x.X, sc); k == kNone || k == kStr {
			return k // a character
		}
	case *syntax.CallExpr:
		switch fn := x.Fn.(type) {
		case *syntax.Ident:
			if k, ok := builtinKinds[fn.Name]; ok && ti.trusted(fn.Name) {
				return k
			}
			if fn.Name == "abs" && ti.trusted("abs") && len(x.Args) == 1 {
				if k := ti.kindOf(x.Args[0], sc); k == kNone || k == kNum {
					return k
				}
			}
		case *syntax.DotExpr:
			switch ti.kindOf(fn.X, sc) {
			case kNone:
				return kNone
			case kStr:
				if k, ok := strMethodKinds[fn.Name.Name]; ok {
					return k
				}
			case kDict:
				if k, ok := dictMethodKinds[fn.Name.Name]; ok {
					return k
				}
			}
		}
	}
	return kAny
}

// binaryKind is the kind of x op y for operands of kinds a and b (a
// comparison or membership test is a bool: kAny).
func binaryKind(op syntax.Token, a, b kind) kind {
	if a == kNone || b == kNone {
		return kNone
	}
	switch op {
	case syntax.PLUS:
		switch {
		case a == b && (a == kNum || a == kStr || a == kList || a == kTuple):
			return a
		case a.noSeq() || b.noSeq():
			// A number, dict, set, date or counter plus anything is no
			// concatenation (or an error).
			return kScalar
		}
	case syntax.MINUS, syntax.SLASH, syntax.SLASHSLASH:
		if a == kNum && b == kNum {
			return kNum
		}
		return kScalar // numbers, sets, dates, counters: never a sequence
	case syntax.STAR:
		switch {
		case a == kNum && b == kNum:
			return kNum
		case a.noSeq() && b.noSeq():
			return kScalar // a repeat needs a sequence
		case a == kNum && (b == kStr || b == kList || b == kTuple):
			return b
		case b == kNum && (a == kStr || a == kList || a == kTuple):
			return a
		}
	case syntax.PERCENT:
		switch {
		case a == kNum && b == kNum:
			return kNum
		case a == kStr:
			return kStr
		case a.noSeq():
			return kScalar
		}
	case syntax.EQL, syntax.NEQ, syntax.LT, syntax.GT, syntax.LE, syntax.GE, syntax.IN, syntax.NOT_IN,
		syntax.AMP, syntax.PIPE, syntax.CIRCUMFLEX, syntax.LTLT, syntax.GTGT:
		return kScalar // bools, ints, sets, dicts
	}
	return kAny
}

// augOp returns the binary operator of an augmented assignment.
func augOp(t syntax.Token) syntax.Token {
	switch t {
	case syntax.PLUS_EQ:
		return syntax.PLUS
	case syntax.MINUS_EQ:
		return syntax.MINUS
	case syntax.STAR_EQ:
		return syntax.STAR
	case syntax.SLASH_EQ:
		return syntax.SLASH
	case syntax.SLASHSLASH_EQ:
		return syntax.SLASHSLASH
	case syntax.PERCENT_EQ:
		return syntax.PERCENT
	case syntax.AMP_EQ:
		return syntax.AMP
	case syntax.PIPE_EQ:
		return syntax.PIPE
	case syntax.CIRCUMFLEX_EQ:
		return syntax.CIRCUMFLEX
	case syntax.LTLT_EQ:
		return syntax.LTLT
	case syntax.GTGT_EQ:
		return syntax.GTGT
	}
	return syntax.ILLEGAL
}

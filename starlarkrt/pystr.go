package starlarkrt

// Python's string semantics. go.starlark.net counts a string in bytes of
// UTF-8: len("résumé") is 8 and "résumé"[1] is half a character. Python
// counts code points, and models write Python, so a tool that slices
// non-ASCII text would give a silently wrong answer. The dialect therefore
// follows Python here, over Starlark (docs/dialect.md lists it):
//
//   - len(s) counts code points;
//   - s[i] and s[i:j:k] index code points (rewriteStrings turns every
//     subscript and slice that is read into latm.index and latm.slice,
//     which behave exactly as Starlark's own operators for every other
//     value);
//   - s.find, rfind, index, rindex, count, startswith and endswith take and
//     return code-point positions (latm.strmethod).
//
// ASCII strings, whose bytes are their code points, take the fast path of
// Starlark's own operations. A long non-ASCII string indexed repeatedly
// has its code-point offsets computed once per call and kept in a small
// per-thread cache, so a loop over s[i] stays linear.

import (
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

const (
	indexName     = "latm.index"
	sliceName     = "latm.slice"
	strMethodName = "latm.strmethod"
	noneName      = "latm.none" // None, under a name no program can rebind
)

// positionMethods are the string methods whose arguments or results are
// positions.
var positionMethods = map[string]bool{
	"find": true, "rfind": true, "index": true, "rindex": true,
	"count": true, "startswith": true, "endswith": true,
}

// addStringSemantics adds the helpers of the string rewrites, and len, to
// the predeclared names d.
func addStringSemantics(d starlark.StringDict) {
	d[indexName] = starlark.NewBuiltin(indexName, latmIndex)
	d[sliceName] = starlark.NewBuiltin(sliceName, latmSlice)
	d[strMethodName] = starlark.NewBuiltin(strMethodName, latmStrMethod)
	d[noneName] = starlark.None
	d["len"] = starlark.NewBuiltin("len", pyLen)
}

// runeIndex describes where the code points of a string start.
type runeIndex struct {
	s     string
	ascii bool
	offs  []int // byte offset of each code point, then len(s); nil if ascii
}

func (ri *runeIndex) count() int {
	if ri.ascii {
		return len(ri.s)
	}
	return len(ri.offs) - 1
}

// byteOffset returns the byte offset of code point i, 0 <= i <= count().
func (ri *runeIndex) byteOffset(i int) int {
	if ri.ascii {
		return i
	}
	return ri.offs[i]
}

// runeOffset returns the code point index of byte offset b (a boundary).
func (ri *runeIndex) runeOffset(b int) int {
	if ri.ascii {
		return b
	}
	lo, hi := 0, len(ri.offs)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if ri.offs[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// runeCacheKey is the thread-local key of a call's recently indexed strings.
const runeCacheKey = "latm.runes"

// runeCacheSize is how many long strings a call keeps indexed.
const runeCacheSize = 4

type runeCache struct {
	entries [runeCacheSize]*runeIndex
	next    int
}

// indexRunes returns the code point offsets of s, charging the scan once
// per string and call.
func indexRunes(thread *starlark.Thread, s string) (*runeIndex, error) {
	ascii := true
	if len(s) < 64 {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if ascii {
			return &runeIndex{s: s, ascii: true}, nil
		}
		return buildRuneIndex(s), nil
	}
	cache, _ := thread.Local(runeCacheKey).(*runeCache)
	if cache == nil {
		cache = &runeCache{}
		thread.SetLocal(runeCacheKey, cache)
	}
	for _, e := range cache.entries {
		// The entry holds its string, so equal data pointers and lengths
		// mean the very same bytes.
		if e != nil && len(e.s) == len(s) && unsafe.StringData(e.s) == unsafe.StringData(s) {
			return e, nil
		}
	}
	if err := callstate.ChargeBytes(thread, len(s)); err != nil {
		return nil, err
	}
	ri := buildRuneIndex(s)
	cache.entries[cache.next] = ri
	cache.next = (cache.next + 1) % runeCacheSize
	return ri, nil
}

func buildRuneIndex(s string) *runeIndex {
	ri := &runeIndex{s: s, ascii: true}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ri.ascii = false
			break
		}
	}
	if ri.ascii {
		return ri
	}
	ri.offs = make([]int, 0, len(s)+1)
	for i := range s {
		ri.offs = append(ri.offs, i)
	}
	ri.offs = append(ri.offs, len(s))
	return ri
}

// pyLen is len(x): code points for a string, Starlark's len otherwise.
func pyLen(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		if s, ok := args[0].(starlark.String); ok {
			ri, err := indexRunes(thread, string(s))
			if err != nil {
				return nil, err
			}
			return starlark.MakeInt(ri.count()), nil
		}
	}
	return starlark.Call(thread, starlark.Universe["len"], args, kwargs)
}

// latmIndex is latm.index(x, i): x[i], by code point for a string.
func latmIndex(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%s: want 2 arguments", indexName)
	}
	x, y := args[0], args[1]
	switch x := x.(type) {
	case *starlark.List:
		// The common case, first: no string, no cache.
		return indexSeq(x, y)
	case starlark.String:
		ri, err := indexRunes(thread, string(x))
		if err != nil {
			return nil, err
		}
		if ri.ascii {
			return indexSeq(x, y)
		}
		n := ri.count()
		i, err := starlark.AsInt32(y)
		if err != nil {
			return nil, fmt.Errorf("string index: %s", err)
		}
		orig := i
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, outOfRange(orig, n, x)
		}
		return starlark.String(ri.s[ri.offs[i]:ri.offs[i+1]]), nil
	case starlark.Mapping:
		z, found, err := x.Get(y)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("key %v not in %s", y, x.Type())
		}
		return z, nil
	case starlark.Indexable:
		return indexSeq(x, y)
	}
	return nil, fmt.Errorf("unhandled index operation %s[%s]", x.Type(), y.Type())
}

// indexSeq is Starlark's x[y] of an indexable, with its errors.
func indexSeq(x starlark.Indexable, y starlark.Value) (starlark.Value, error) {
	n := x.Len()
	i, err := starlark.AsInt32(y)
	if err != nil {
		return nil, fmt.Errorf("%s index: %s", x.Type(), err)
	}
	orig := i
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return nil, outOfRange(orig, n, x)
	}
	return x.Index(i), nil
}

// outOfRange is Starlark's index error.
func outOfRange(i, n int, x starlark.Value) error {
	if n == 0 {
		return fmt.Errorf("index %d out of range: empty %s", i, x.Type())
	}
	return fmt.Errorf("%s index %d out of range [%d:%d]", x.Type(), i, -n, n-1)
}

// latmSlice is latm.slice(x, lo, hi, step): x[lo:hi:step], by code point
// for a string, with Starlark's rules (and errors) otherwise.
func latmSlice(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("%s: want 4 arguments", sliceName)
	}
	x, lo, hi, stepV := args[0], args[1], args[2], args[3]
	sl, ok := x.(starlark.Sliceable)
	if !ok {
		return nil, fmt.Errorf("invalid slice operand %s", x.Type())
	}
	var ri *runeIndex
	n := sl.Len()
	if s, ok := x.(starlark.String); ok {
		var err error
		if ri, err = indexRunes(thread, string(s)); err != nil {
			return nil, err
		}
		n = ri.count()
	}
	start, end, step, err := resolveSlice(lo, hi, stepV, n)
	if err != nil {
		return nil, err
	}
	if ri == nil || ri.ascii {
		return sl.Slice(start, end, step), nil
	}
	if step == 1 {
		return starlark.String(ri.s[ri.offs[start]:ri.offs[end]]), nil
	}
	var out []byte
	for i := start; (step > 0 && i < end) || (step < 0 && i > end); i += step {
		out = append(out, ri.s[ri.offs[i]:ri.offs[i+1]]...)
	}
	return starlark.String(out), nil
}

// resolveSlice is Starlark's (and Python's) resolution of lo:hi:step over
// a sequence of n elements.
func resolveSlice(lo, hi, stepV starlark.Value, n int) (start, end, step int, err error) {
	step = 1
	if stepV != starlark.None {
		if step, err = starlark.AsInt32(stepV); err != nil {
			return 0, 0, 0, fmt.Errorf("invalid slice step: %s", err)
		}
		if step == 0 {
			return 0, 0, 0, fmt.Errorf("zero is not a valid slice step")
		}
	}
	asIndex := func(v starlark.Value, dst *int) error {
		if v == starlark.None {
			return nil
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return err
		}
		if i < 0 {
			i += n
		}
		*dst = i
		return nil
	}
	if step > 0 {
		start, end = 0, n
		if err := asIndex(lo, &start); err != nil {
			return 0, 0, 0, fmt.Errorf("invalid start index: %s", err)
		}
		start = min(max(start, 0), n)
		if err := asIndex(hi, &end); err != nil {
			return 0, 0, 0, fmt.Errorf("invalid end index: %s", err)
		}
		end = min(max(end, 0), n)
		end = max(end, start)
		return start, end, step, nil
	}
	start, end = n-1, -1
	if err := asIndex(lo, &start); err != nil {
		return 0, 0, 0, fmt.Errorf("invalid start index: %s", err)
	}
	start = min(start, n-1)
	if err := asIndex(hi, &end); err != nil {
		return 0, 0, 0, fmt.Errorf("invalid end index: %s", err)
	}
	end = max(end, -1)
	start = max(start, end)
	return start, end, step, nil
}

// latmStrMethod is latm.strmethod(recv, name, *args, **kwargs): for a
// non-ASCII string and a method of positionMethods, the method with its
// start/end arguments and its result in code points; anything else as
// latm.method.
func latmStrMethod(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) >= 2 {
		if s, ok := args[0].(starlark.String); ok {
			name, _ := starlark.AsString(args[1])
			if positionMethods[name] && len(kwargs) == 0 {
				ri, err := indexRunes(thread, string(s))
				if err != nil {
					return nil, err
				}
				if !ri.ascii {
					return strPositionMethod(thread, ri, name, args[2:])
				}
			}
		}
	}
	return latmMethod(thread, b, args, kwargs)
}

// strPositionMethod calls Starlark's own method with the start and end
// arguments turned into byte offsets, and turns a position it returns back
// into a code point index.
func strPositionMethod(thread *starlark.Thread, ri *runeIndex, name string, args starlark.Tuple) (starlark.Value, error) {
	s := starlark.String(ri.s)
	n := ri.count()
	conv := append(starlark.Tuple(nil), args...)
	for i := 1; i < len(conv) && i <= 2; i++ {
		if conv[i] == starlark.None {
			continue
		}
		k, err := starlark.AsInt32(conv[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %s must be an int or None, got %s", name, []string{"", "start", "end"}[i], conv[i].Type())
		}
		if k < 0 {
			k += n
		}
		k = min(max(k, 0), n)
		conv[i] = starlark.MakeInt(ri.byteOffset(k))
	}
	m, err := s.Attr(name)
	if err != nil {
		return nil, err
	}
	v, err := starlark.Call(thread, m, conv, nil)
	if err != nil {
		return nil, err
	}
	switch name {
	case "find", "rfind", "index", "rindex":
		var at int
		if err := starlark.AsInt(v, &at); err != nil || at < 0 {
			return v, nil
		}
		return starlark.MakeInt(ri.runeOffset(at)), nil
	}
	return v, nil
}

// rewriteStrings rewrites f so that reading a subscript or a slice goes
// through latm.index or latm.slice, and the position methods of strings
// through latm.strmethod. Assignment targets (x[i] = v, x[i] += 1, for
// x[i] in …) stay subscripts.
func rewriteStrings(f *syntax.File) { rewriteStringsOf(f, nil) }

// rewriteStringsOf is rewriteStrings, keeping Starlark's own subscripts
// where p knows the operand is not a string.
func rewriteStringsOf(f *syntax.File, p *plainOps) { p.strStmts(f.Stmts) }

func (p *plainOps) strStmts(stmts []syntax.Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.AssignStmt:
			s.LHS = p.strTarget(s.LHS)
			s.RHS = p.strExpr(s.RHS)
		case *syntax.ExprStmt:
			s.X = p.strExpr(s.X)
		case *syntax.IfStmt:
			s.Cond = p.strExpr(s.Cond)
			p.strStmts(s.True)
			p.strStmts(s.False)
		case *syntax.ForStmt:
			s.Vars = p.strTarget(s.Vars)
			s.X = p.strExpr(s.X)
			p.strStmts(s.Body)
		case *syntax.WhileStmt:
			s.Cond = p.strExpr(s.Cond)
			p.strStmts(s.Body)
		case *syntax.DefStmt:
			p.strParams(s.Params)
			p.strStmts(s.Body)
		case *syntax.ReturnStmt:
			s.Result = p.strExpr(s.Result)
		}
	}
}

func (p *plainOps) strParams(params []syntax.Expr) {
	for _, param := range params {
		if b, ok := param.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = p.strExpr(b.Y)
		}
	}
}

// strTarget rewrites the expressions inside an assignment target, leaving
// the target itself assignable.
func (p *plainOps) strTarget(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.IndexExpr:
		e.X = p.strExpr(e.X)
		e.Y = p.strExpr(e.Y)
		return e
	case *syntax.DotExpr:
		e.X = p.strExpr(e.X)
		return e
	case *syntax.ParenExpr:
		e.X = p.strTarget(e.X)
		return e
	case *syntax.TupleExpr:
		for i, x := range e.List {
			e.List[i] = p.strTarget(x)
		}
		return e
	case *syntax.ListExpr:
		for i, x := range e.List {
			e.List[i] = p.strTarget(x)
		}
		return e
	}
	return e
}

func (p *plainOps) strList(xs []syntax.Expr) {
	for i, x := range xs {
		xs[i] = p.strExpr(x)
	}
}

func posIdent(pos syntax.Position, name string) *syntax.Ident {
	return &syntax.Ident{NamePos: pos, Name: name}
}

func (p *plainOps) strExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.IndexExpr:
		x, y := p.strExpr(e.X), p.strExpr(e.Y)
		if p.plain(e) {
			e.X, e.Y = x, y
			return e
		}
		return &syntax.CallExpr{Fn: posIdent(e.Lbrack, indexName), Lparen: e.Lbrack, Args: []syntax.Expr{x, y}, Rparen: e.Rbrack}
	case *syntax.SliceExpr:
		if p.plain(e) {
			e.X, e.Lo, e.Hi, e.Step = p.strExpr(e.X), p.strExpr(e.Lo), p.strExpr(e.Hi), p.strExpr(e.Step)
			return e
		}
		part := func(x syntax.Expr) syntax.Expr {
			if x == nil {
				return posIdent(e.Lbrack, noneName)
			}
			return p.strExpr(x)
		}
		args := []syntax.Expr{p.strExpr(e.X), part(e.Lo), part(e.Hi), part(e.Step)}
		return &syntax.CallExpr{Fn: posIdent(e.Lbrack, sliceName), Lparen: e.Lbrack, Args: args, Rparen: e.Rbrack}
	case *syntax.ParenExpr:
		e.X = p.strExpr(e.X)
	case *syntax.CallExpr:
		e.Fn = p.strExpr(e.Fn)
		for i, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = p.strExpr(b.Y)
				continue
			}
			e.Args[i] = p.strExpr(a)
		}
		switch fn := e.Fn.(type) {
		case *syntax.Ident:
			// s.index(…) and s.count(…) already go through latm.method.
			if fn.Name == methodName && len(e.Args) >= 2 {
				if lit, ok := e.Args[1].(*syntax.Literal); ok && positionMethods[fmt.Sprint(lit.Value)] {
					fn.Name = strMethodName
				}
			}
		case *syntax.DotExpr:
			if positionMethods[fn.Name.Name] {
				name := &syntax.Literal{Token: syntax.STRING, TokenPos: fn.NamePos, Raw: strconv.Quote(fn.Name.Name), Value: fn.Name.Name}
				args := append([]syntax.Expr{fn.X, name}, e.Args...)
				return &syntax.CallExpr{Fn: posIdent(fn.NamePos, strMethodName), Lparen: e.Lparen, Args: args, Rparen: e.Rparen}
			}
		}
	case *syntax.DotExpr:
		e.X = p.strExpr(e.X)
	case *syntax.UnaryExpr:
		e.X = p.strExpr(e.X)
	case *syntax.BinaryExpr:
		e.X = p.strExpr(e.X)
		e.Y = p.strExpr(e.Y)
	case *syntax.CondExpr:
		e.Cond = p.strExpr(e.Cond)
		e.True = p.strExpr(e.True)
		e.False = p.strExpr(e.False)
	case *syntax.ListExpr:
		p.strList(e.List)
	case *syntax.TupleExpr:
		p.strList(e.List)
	case *syntax.DictExpr:
		p.strList(e.List)
	case *syntax.DictEntry:
		e.Key = p.strExpr(e.Key)
		e.Value = p.strExpr(e.Value)
	case *syntax.LambdaExpr:
		p.strParams(e.Params)
		e.Body = p.strExpr(e.Body)
	case *syntax.Comprehension:
		e.Body = p.strExpr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.Vars = p.strTarget(c.Vars)
				c.X = p.strExpr(c.X)
			case *syntax.IfClause:
				c.Cond = p.strExpr(c.Cond)
			}
		}
	}
	return e
}

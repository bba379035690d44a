package starlarkrt

// Source rewrites of Python statements and operators Starlark's parser
// rejects. Like the rest of preprocess they run only on programs that are
// not valid Starlark as written, so they cannot change a valid program.
// Those that need more than a local rewrite (try, loop else, global,
// nonlocal, the walrus) leave a marker call or condition named "_latm_…"
// that transformPython (dialect_try.go) turns into the real structure.

import (
	"strconv"
	"strings"
)

// Marker and helper names written by the source rewrites.
const (
	tryMarker      = "_latm_try"
	classMarker    = "_latm_class"
	exceptMarker   = "_latm_except"
	finallyMarker  = "_latm_finally"
	loopElseMarker = "_latm_loop_else"
	raiseMarker    = "_latm_raise"
	globalMarker   = "_latm_global"
	nonlocalMarker = "_latm_nonlocal"
	walrusMarker   = "_latm_walrus"
	isName         = "_latm_is"
	isNotName      = "_latm_is_not"
	chainName      = "_latm_chain"
	delItemName    = "_latm_delitem"
	delSliceName   = "_latm_delslice"
	unpackName     = "_latm_unpack"
)

// indentOf returns the column of the first token of logical line ln.
func (p *prep) indentOf(ln [2]int) int {
	t := p.toks[ln[0]]
	return t.start - (strings.LastIndexByte(p.src[:t.start], '\n') + 1)
}

// lineDepth is the bracket depth of logical line ln's first token.
func (p *prep) lineDepth(ln [2]int) int { return p.toks[ln[0]].depth }

// findOp returns the index of the first operator text at the line's own
// depth in [from, to), or -1.
func (p *prep) findOp(from, to, depth int, text string) int {
	for i := from; i < to; i++ {
		if t := p.toks[i]; t.depth == depth && (t.kind == tOp || t.kind == tName) && t.text == text {
			return i
		}
	}
	return -1
}

// pyStatement rewrites the Python statements of logical line i of lines:
// try/except/else/finally, raise, del, global, nonlocal, chained
// assignment and star-unpacking.
func (p *prep) pyStatement(lines [][2]int, i int) error {
	ln := lines[i]
	first := p.toks[ln[0]]
	d := p.lineDepth(ln)
	if first.kind != tName {
		switch {
		case first.kind == tOp && first.text == "@" && ln[1]-ln[0] >= 2:
			// A decorator: `@d` becomes _latm_decorator(d), which the
			// transform applies to the def or class that follows.
			p.edits = append(p.edits, srcEdit{first.start, p.toks[ln[0]+1].start, ""})
			p.wraps = append(p.wraps, srcWrap{p.toks[ln[0]+1].start, p.toks[ln[1]-1].end, decoratorMarker + "(", ")"})
		case first.kind == tOp && (first.text == "(" || first.text == "[" || first.text == "*"):
			p.assignment(ln)
		}
		return nil
	}
	switch first.text {
	case "class":
		// class A(B): becomes def A(_latm_class, B):, which the transform
		// turns into a latm.mkclass call.
		if ln[1]-ln[0] < 3 || p.toks[ln[0]+1].kind != tName {
			return nil
		}
		name, next := p.toks[ln[0]+1], p.toks[ln[0]+2]
		switch next.text {
		case "(":
			c, ok := p.match[ln[0]+2]
			if !ok {
				return nil
			}
			sep := ", "
			if c == ln[0]+3 {
				sep = ""
			}
			p.edits = append(p.edits, srcEdit{first.start, first.end, "def"}, srcEdit{next.end, next.end, classMarker + sep})
		case ":":
			p.edits = append(p.edits, srcEdit{first.start, first.end, "def"}, srcEdit{name.end, name.end, "(" + classMarker + ")"})
		}
	case "try":
		if ln[1]-ln[0] >= 2 && p.toks[ln[0]+1].text == ":" {
			p.edits = append(p.edits, srcEdit{first.start, first.end, "if " + tryMarker})
		}
	case "finally":
		if ln[1]-ln[0] >= 2 && p.toks[ln[0]+1].text == ":" {
			p.edits = append(p.edits, srcEdit{first.start, first.end, "if " + finallyMarker})
		}
	case "except":
		colon := p.findOp(ln[0]+1, ln[1], d, ":")
		if colon < 0 {
			return nil
		}
		if colon == ln[0]+1 {
			p.edits = append(p.edits, srcEdit{first.start, first.end, "elif " + exceptMarker + "()"})
			return nil
		}
		as := p.findOp(ln[0]+1, colon, d, "as")
		end := colon
		if as >= 0 {
			if as+2 != colon || p.toks[as+1].kind != tName {
				return nil
			}
			end = as
		}
		if end == ln[0]+1 {
			return nil
		}
		p.edits = append(p.edits, srcEdit{first.start, first.end, "elif " + exceptMarker + "("})
		if as >= 0 {
			p.edits = append(p.edits, srcEdit{p.toks[as].start, p.toks[as+1].end, ", " + strconv.Quote(p.toks[as+1].text) + ")"})
		} else {
			p.edits = append(p.edits, srcEdit{p.toks[end-1].end, p.toks[end-1].end, ")"})
		}
	case "else":
		if ln[1]-ln[0] < 2 || p.toks[ln[0]+1].text != ":" {
			return nil
		}
		if kw := p.openerOf(lines, i); kw == "for" || kw == "while" {
			p.edits = append(p.edits, srcEdit{first.start, first.end, "if " + loopElseMarker})
		}
	case "raise":
		last := p.toks[ln[1]-1]
		if ln[1]-ln[0] == 1 {
			p.edits = append(p.edits, srcEdit{first.start, first.end, raiseMarker + "()"})
			return nil
		}
		p.edits = append(p.edits, srcEdit{first.start, p.toks[ln[0]+1].start, ""})
		p.wraps = append(p.wraps, srcWrap{p.toks[ln[0]+1].start, last.end, raiseMarker + "(", ")"})
		if from := p.findOp(ln[0]+1, ln[1], d, "from"); from > ln[0]+1 {
			p.edits = append(p.edits, srcEdit{p.toks[from].start, p.toks[from].end, ","})
		}
	case "global", "nonlocal":
		var names []string
		for j := ln[0] + 1; j < ln[1]; j++ {
			t := p.toks[j]
			switch {
			case t.kind == tName && !pyKeywords[t.text]:
				names = append(names, strconv.Quote(t.text))
			case t.text == ",":
			default:
				return nil
			}
		}
		if len(names) == 0 {
			return nil
		}
		marker := globalMarker
		if first.text == "nonlocal" {
			marker = nonlocalMarker
		}
		p.replaceStmt(ln, marker+"("+strings.Join(names, ", ")+")")
	case "del":
		return p.delStmt(ln)
	default:
		if !pyKeywords[first.text] {
			p.assignment(ln)
		}
	}
	return nil
}

// openerOf returns the first word of the statement a line at lines[i]'s
// indentation continues: the nearest earlier line with the same
// indentation, lines indented deeper (its body) skipped.
func (p *prep) openerOf(lines [][2]int, i int) string {
	ind := p.indentOf(lines[i])
	for j := i - 1; j >= 0; j-- {
		if p.lineDepth(lines[j]) != 0 {
			continue
		}
		switch k := p.indentOf(lines[j]); {
		case k > ind:
			continue
		case k < ind:
			return ""
		}
		return p.toks[lines[j][0]].text
	}
	return ""
}

// delStmt rewrites `del t1, t2`: x[k] becomes _latm_delitem(x, k), a slice
// x[a:b:c] _latm_delslice(x, a, b, c), and a plain name n becomes n = None
// (Starlark cannot unbind a name; a Python program that reads n after del
// fails, so no working program changes meaning).
func (p *prep) delStmt(ln [2]int) error {
	d := p.lineDepth(ln)
	var stmts []string
	start := ln[0] + 1
	for j := start; j <= ln[1]; j++ {
		if j < ln[1] && !(p.toks[j].text == "," && p.toks[j].depth == d) {
			continue
		}
		if j == start {
			return nil
		}
		s, ok := p.delTarget(start, j)
		if !ok {
			return p.errorAt(p.toks[start], "del of this target is not supported",
				"del works on x[i], d[k], x[i:j] and plain names; use d.pop(k) or rebuild the value")
		}
		stmts = append(stmts, s)
		start = j + 1
	}
	p.replaceStmt(ln, strings.Join(stmts, "; "))
	return nil
}

// delTarget renders the statement deleting target tokens [from, to).
func (p *prep) delTarget(from, to int) (string, bool) {
	if to-from == 1 && p.toks[from].kind == tName && !pyKeywords[p.toks[from].text] {
		return p.toks[from].text + " = None", true
	}
	closeIdx := to - 1
	if p.toks[closeIdx].text != "]" {
		return "", false
	}
	open, ok := p.match[closeIdx]
	if !ok || open <= from {
		return "", false
	}
	obj := p.src[p.toks[from].start:p.toks[open-1].end]
	inner := p.toks[open].depth + 1
	var colons []int
	for k := open + 1; k < closeIdx; k++ {
		if p.toks[k].text == ":" && p.toks[k].depth == inner {
			colons = append(colons, k)
		}
	}
	if len(colons) == 0 {
		if open+1 == closeIdx {
			return "", false
		}
		key := p.src[p.toks[open+1].start:p.toks[closeIdx-1].end]
		return delItemName + "(" + obj + ", (" + key + "))", true
	}
	if len(colons) > 2 {
		return "", false
	}
	bounds := []int{open}
	bounds = append(bounds, colons...)
	bounds = append(bounds, closeIdx)
	parts := []string{obj}
	for k := 0; k+1 < len(bounds); k++ {
		a, b := bounds[k]+1, bounds[k+1]
		if a == b {
			parts = append(parts, "None")
		} else {
			parts = append(parts, "("+p.src[p.toks[a].start:p.toks[b-1].end]+")")
		}
	}
	for len(parts) < 4 {
		parts = append(parts, "None")
	}
	return delSliceName + "(" + strings.Join(parts, ", ") + ")", true
}

// assignment rewrites `a = b = v` to `(a), (b) = ((v),) * 2`, which
// evaluates v once and assigns the same value to each target from left to
// right, as Python does, and `first, *rest = v` to
// `first, rest = _latm_unpack((v), 1, 0)`.
func (p *prep) assignment(ln [2]int) {
	d := p.lineDepth(ln)
	var eqs []int
	for j := ln[0]; j < ln[1]; j++ {
		t := p.toks[j]
		if t.depth != d {
			continue
		}
		if t.kind == tName && t.text == "lambda" {
			break
		}
		if t.kind == tOp && t.text == "=" {
			eqs = append(eqs, j)
		}
	}
	if len(eqs) == 0 {
		return
	}
	last := p.toks[ln[1]-1]
	valStart := p.toks[eqs[len(eqs)-1]+1:]
	if len(valStart) == 0 || eqs[len(eqs)-1]+1 >= ln[1] {
		return
	}
	if len(eqs) >= 2 {
		from := ln[0]
		for _, e := range eqs {
			if e == from {
				return
			}
			p.wraps = append(p.wraps, srcWrap{p.toks[from].start, p.toks[e-1].end, "(", ")"})
			if e != eqs[len(eqs)-1] {
				p.edits = append(p.edits, srcEdit{p.toks[e].start, p.toks[e].end, ","})
			}
			from = e + 1
		}
		v := valStart[0]
		p.wraps = append(p.wraps, srcWrap{v.start, last.end, "((", "),) * " + strconv.Itoa(len(eqs))})
		return
	}
	// Star-unpacking: one starred name among the top-level targets.
	eq := eqs[0]
	star, before, after := -1, 0, 0
	commas := 0
	for j := ln[0]; j < eq; j++ {
		t := p.toks[j]
		if t.depth != d {
			continue
		}
		switch {
		case t.kind == tOp && t.text == ",":
			commas++
		case t.kind == tOp && t.text == "*":
			if star >= 0 || j+1 >= eq || p.toks[j+1].kind != tName || (j > ln[0] && p.toks[j-1].text != ",") {
				return
			}
			star = j
			before = commas
		}
	}
	if star < 0 || commas == 0 {
		return
	}
	after = commas - before
	if p.toks[eq-1].text == "," {
		after-- // a trailing comma: `*a, = xs`
	}
	v := p.toks[eq+1]
	p.edits = append(p.edits, srcEdit{p.toks[star].start, p.toks[star].end, ""})
	p.wraps = append(p.wraps, srcWrap{v.start, last.end, unpackName + "((", "), " + strconv.Itoa(before) + ", " + strconv.Itoa(after) + ")"})
}

// comparisons rewrites comparisons Starlark cannot parse: `a is b` and
// `a is not b` become _latm_is(a, b) and _latm_is_not(a, b), and a chain
// `a < b <= c` becomes _latm_chain(a, "<", lambda: b, "<=", lambda: c),
// which evaluates each operand at most once and stops at the first false
// comparison, as Python does. Operands are found by precedence: a
// comparison's operands reach to the nearest token of lower precedence
// (not, and, or, if, else, lambda, a comma, a colon, an assignment) or
// bracket at the same depth.
func (p *prep) comparisons() {
	for _, ln := range p.logicalLines() {
		p.compareGroup(ln[0], ln[1], p.toks[ln[0]].depth)
	}
}

// cmpOp is a comparison operator: its first and last token (two for not
// in and is not).
type cmpOp struct{ first, last int }

// compareGroup scans tokens [from, to) at depth d, recursing into brackets.
func (p *prep) compareGroup(from, to, d int) {
	segStart := from
	var ops []cmpOp
	afterFor := false
	flush := func(end int) {
		if len(ops) > 0 {
			p.rewriteComparison(segStart, end, ops)
		}
		ops = ops[:0]
	}
	for i := from; i < to; i++ {
		t := p.toks[i]
		if t.kind == tComment {
			continue
		}
		if t.kind == tOp && (t.text == "(" || t.text == "[" || t.text == "{") {
			if c, ok := p.match[i]; ok && c < to {
				p.compareGroup(i+1, c, d+1)
				i = c
			}
			continue
		}
		boundary := false
		switch t.kind {
		case tOp:
			switch t.text {
			case "<", ">", "==", "!=", "<=", ">=":
				ops = append(ops, cmpOp{i, i})
				continue
			case ",", ":", "=", ";", "->", ":=", "@", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>=":
				boundary = true
			}
		case tName:
			switch t.text {
			case "in":
				if afterFor {
					afterFor = false
					boundary = true
				} else {
					ops = append(ops, cmpOp{i, i})
					continue
				}
			case "not":
				if i+1 < to && p.toks[i+1].text == "in" {
					ops = append(ops, cmpOp{i, i + 1})
					i++
					continue
				}
				boundary = true
			case "is":
				if i+1 < to && p.toks[i+1].text == "not" {
					ops = append(ops, cmpOp{i, i + 1})
					i++
				} else {
					ops = append(ops, cmpOp{i, i})
				}
				continue
			case "for":
				afterFor = true
				boundary = true
			default:
				boundary = pyKeywords[t.text]
			}
		}
		if boundary {
			flush(i)
			segStart = i + 1
		}
	}
	flush(to)
}

// rewriteComparison rewrites the comparison in tokens [from, to) whose
// operators ops yields, when it is a chain or uses is.
func (p *prep) rewriteComparison(from, to int, list []cmpOp) {
	words := func(o cmpOp) string {
		var w []string
		for k := o.first; k <= o.last; k++ {
			w = append(w, p.toks[k].text)
		}
		return strings.Join(w, " ")
	}
	hasIs := false
	for _, o := range list {
		if p.toks[o.first].text == "is" {
			hasIs = true
		}
	}
	if len(list) < 2 && !hasIs {
		return
	}
	// Every operand must be non-empty.
	prev := from - 1
	for _, o := range list {
		if o.first == prev+1 {
			return
		}
		prev = o.last
	}
	if prev+1 >= to {
		return
	}
	start, end := p.toks[from].start, p.toks[to-1].end
	if len(list) == 1 {
		name := isName
		if words(list[0]) == "is not" {
			name = isNotName
		}
		p.wraps = append(p.wraps, srcWrap{start, end, name + "(", ")"})
		p.edits = append(p.edits, srcEdit{p.toks[list[0].first].start, p.toks[list[0].last].end, ","})
		return
	}
	p.wraps = append(p.wraps, srcWrap{start, end, chainName + "(", ")"})
	for _, o := range list {
		p.edits = append(p.edits, srcEdit{p.toks[o.first].start, p.toks[o.last].end, ", " + strconv.Quote(words(o)) + ", lambda: "})
	}
}

// setLiterals rewrites {a, b} to set([a, b]) and {x for x in xs} to
// set([x for x in xs]): braces holding no colon at their own depth. Empty
// braces stay a dict, as in Python.
func (p *prep) setLiterals() {
	for i, t := range p.toks {
		if t.kind != tOp || t.text != "{" {
			continue
		}
		c, ok := p.match[i]
		if !ok || c == i+1 || p.toks[i+1].text == "**" {
			continue
		}
		isSet := true
		for j := i + 1; j < c; j++ {
			if u := p.toks[j]; u.depth == t.depth+1 && u.kind == tOp && u.text == ":" {
				isSet = false
				break
			}
		}
		if isSet {
			p.edits = append(p.edits, srcEdit{t.start, t.end, "set(["}, srcEdit{p.toks[c].start, p.toks[c].end, "])"})
		}
	}
}

// walruses rewrites `name := value` to _latm_walrus("name", value); the
// value reaches to the closing bracket, a comma or the header's colon.
func (p *prep) walruses() {
	for i, t := range p.toks {
		if t.kind != tOp || t.text != ":=" || i == 0 || p.toks[i-1].kind != tName || i+1 >= len(p.toks) {
			continue
		}
		end := i + 1
		for end < len(p.toks) {
			u := p.toks[end]
			if u.depth < t.depth || u.kind == tNewline || u.kind == tComment || u.depth == t.depth && u.kind == tOp && (u.text == "," || u.text == ":") {
				break
			}
			end++
		}
		if end == i+1 {
			continue
		}
		name := p.toks[i-1]
		p.edits = append(p.edits, srcEdit{name.start, t.end, walrusMarker + "(" + strconv.Quote(name.text) + ", "})
		p.wraps = append(p.wraps, srcWrap{t.end, p.toks[end-1].end, "", ")"})
	}
}

package starlarkrt

// Python tolerance. Models write Python; the runtime runs Starlark. This file
// narrows the gap with rewrites that are sound: a program that is valid
// Starlark keeps its meaning, and a Python-ism that cannot be supported fails
// with a positioned error and a hint (hints.go), never with a wrong answer.
//
// The pipeline is preprocess (pyToken-level source rewrites, line-preserving:
// line N of the output is line N of the input, so positions in errors stay
// right) → parse with fileOptions → transform (AST rewrites) → resolve over
// predeclared() (builtins.go).

import (
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// fileOptions is the dialect: while, recursion, sets, top-level control flow
// and global reassignment on.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// Names of the helpers the rewrites call. The AST rewrites of transform,
// which run on every program, use names that are not identifiers (they hold
// a dot), so no program can define, shadow or mention them. The source
// rewrites of preprocess, which run only on programs that are not valid
// Starlark as written, must use identifiers: theirs start with "_latm_".
const (
	iterName    = "latm.iter"
	methodName  = "latm.method"
	percentName = "latm.percent"
	assertName  = "_latm_assert_failed"
	// moduleAlias prefixes a second, unshadowable name of each module, so
	// that `from datetime import datetime` reads the module, not the
	// variable it defines.
	moduleAlias = "_latm_module_"
)

// moduleTable returns the importable modules; tests may replace it.
var moduleTable = modules

// noopModules are imports that need nothing at run time (the names of
// dataclasses are predeclared).
var noopModules = map[string]bool{"typing": true, "__future__": true, "dataclasses": true}

// preprocess applies sound, line-preserving source rewrites for Python-isms
// before parsing: assert statements, imports of the runtime's modules,
// generator expressions as the sole argument of a call, type annotations and
// the ** operator. Each rewrite touches only text the Starlark parser would
// reject, so valid Starlark is returned unchanged. An import of a module the
// runtime lacks is reported as a *ProgramError at the import's line.
func preprocess(name, src string) (string, error) {
	return preprocessModules(name, src, moduleTable())
}

// preprocessModules is preprocess for a runtime whose programs may import
// the modules mods.
func preprocessModules(name, src string, mods map[string]*starlarkstruct.Module) (string, error) {
	if validAsIs(name, src) {
		return src, nil
	}
	toks := pyTokenize(src)
	p := &prep{name: name, src: src, toks: toks, match: matchBrackets(toks), mods: mods}
	lines := p.logicalLines()
	for i, ln := range lines {
		if err := p.statement(ln); err != nil {
			return "", err
		}
		if err := p.pyStatement(lines, i); err != nil {
			return "", err
		}
	}
	p.comparisons()
	p.setLiterals()
	p.walruses()
	p.genexps()
	p.annotations()
	p.powers()
	p.fstrings()
	return applyEdits(src, p.edits, p.wraps...), nil
}

// parseDialect runs the dialect on one source: preprocess, parse with
// fileOptions, transform. A source preprocess left as it was is parsed and
// transformed as plain Starlark; only a rewritten one gets the Python
// transform of its markers.
func parseDialect(name, src string, mods map[string]*starlarkstruct.Module) (*syntax.File, error) {
	return parseDialectIn(name, src, mods, nil)
}

// parseDialectIn is parseDialect for a source that also sees the names
// shadowed reports beyond the predeclared ones (a call snippet sees its
// tool's globals).
func parseDialectIn(name, src string, mods map[string]*starlarkstruct.Module, shadowed func(string) bool) (*syntax.File, error) {
	code, err := preprocessModules(name, src, mods)
	if err != nil {
		return nil, err
	}
	f, err := fileOptions.Parse(name, code, 0)
	if err != nil {
		return nil, err
	}
	classes := false
	if code != src {
		if classes, err = transformPythonClasses(f); err != nil {
			return nil, err
		}
	}
	if err := transform(f, shadowed); err != nil {
		return nil, err
	}
	if classes {
		// Formatting that knows instances (str(p) for "{}" and "%s").
		syntax.Walk(f, func(n syntax.Node) bool {
			if id, ok := n.(*syntax.Ident); ok && (id.Name == methodName || id.Name == percentName) {
				id.Name = "latm.py." + id.Name
			}
			return true
		})
	}
	return f, nil
}

// validAsIs reports whether src is already a Starlark program that needs no
// source rewrite: it parses, and it resolves with every name taken as
// defined except assert. In Starlark assert is an ordinary name (a program
// may define a function or variable called assert), so an assert statement
// is rewritten only when the program does not parse or leaves assert
// undefined; then it cannot be valid Starlark, whose meaning would change.
func validAsIs(name, src string) bool {
	f, err := fileOptions.Parse(name, src, 0)
	if err != nil {
		return false
	}
	return resolve.File(f, func(n string) bool { return n != "assert" }, starlark.Universe.Has) == nil
}

// prep holds the state of one preprocess run.
type prep struct {
	name  string
	src   string
	toks  []pyToken
	match map[int]int // index of an open bracket ↔ index of its close
	edits []srcEdit
	wraps []srcWrap
	mods  map[string]*starlarkstruct.Module // the importable modules
}

// matchBrackets pairs brackets by pyToken index (both directions).
func matchBrackets(toks []pyToken) map[int]int {
	m := map[int]int{}
	var stack []int
	for i, t := range toks {
		if t.kind != tOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			stack = append(stack, i)
		case ")", "]", "}":
			if len(stack) > 0 {
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				m[o], m[i] = i, o
			}
		}
	}
	return m
}

// logicalLines returns [from, to) pyToken ranges of each logical line's
// code, comments and newlines excluded. Semicolon-separated statements are
// separate ranges.
func (p *prep) logicalLines() [][2]int {
	var out [][2]int
	from := -1
	flush := func(to int) {
		if from >= 0 && to > from {
			out = append(out, [2]int{from, to})
		}
		from = -1
	}
	for i, t := range p.toks {
		switch {
		case t.kind == tNewline || t.kind == tOp && t.text == ";" && t.depth == 0:
			flush(i)
		case t.kind == tComment:
			if t.depth == 0 {
				flush(i)
			}
		default:
			if from < 0 {
				from = i
			}
		}
	}
	flush(len(p.toks))
	return out
}

// errorAt returns a syntax-phase *ProgramError positioned at pyToken t.
func (p *prep) errorAt(t pyToken, msg, hintText string) error {
	lineStart := strings.LastIndexByte(p.src[:t.start], '\n') + 1
	lineEnd := strings.IndexByte(p.src[t.start:], '\n')
	if lineEnd < 0 {
		lineEnd = len(p.src)
	} else {
		lineEnd += t.start
	}
	return &ProgramError{
		Phase:      "syntax",
		File:       p.name,
		Line:       t.line,
		Col:        t.start - lineStart + 1,
		Msg:        msg,
		SourceLine: p.src[lineStart:lineEnd],
		Hint:       hintText,
	}
}

// statement rewrites a statement that starts with assert, import or from.
func (p *prep) statement(ln [2]int) error {
	t := p.toks[ln[0]]
	if t.kind != tName {
		return nil
	}
	switch t.text {
	case "assert":
		p.assertStmt(ln)
	case "import":
		return p.importStmt(ln)
	case "from":
		return p.fromStmt(ln)
	}
	return nil
}

// assertStmt turns `assert cond[, msg]` into
// `if not (cond): _latm_assert_failed(msg or "cond")`, evaluating msg only
// when the assertion fails, as Python does.
func (p *prep) assertStmt(ln [2]int) {
	from, to := ln[0], ln[1]
	if to-from < 2 {
		return
	}
	comma := -1
	for i := from + 1; i < to; i++ {
		if t := p.toks[i]; t.kind == tOp && t.text == "," && t.depth == p.toks[from].depth {
			comma = i
			break
		}
	}
	kw, last := p.toks[from], p.toks[to-1]
	condEnd := last
	if comma >= 0 {
		if comma == from+1 || comma == to-1 {
			return // malformed: let the parser report it
		}
		condEnd = p.toks[comma-1]
	}
	cond := p.src[p.toks[from+1].start:condEnd.end]
	text := strconv.Quote(strings.Join(strings.Fields(cond), " "))
	if comma < 0 {
		p.edits = append(p.edits,
			srcEdit{kw.start, kw.end, "if not ("},
			srcEdit{last.end, last.end, "): " + assertFnName + "(" + text + ")"})
		return
	}
	c := p.toks[comma]
	p.edits = append(p.edits,
		srcEdit{kw.start, kw.end, "if not ("},
		srcEdit{c.start, c.end, "): " + assertFnName + "(" + text + ","},
		srcEdit{last.end, last.end, ")"})
}

// isOperandEnd reports whether t can end an operand, so that a following
// '(' is a call and a following '**' is the binary power operator.
func isOperandEnd(t pyToken) bool {
	switch t.kind {
	case tName:
		return !pyKeywords[t.text]
	case tNumber, tString:
		return true
	case tOp:
		return t.text == ")" || t.text == "]" || t.text == "}"
	}
	return false
}

// genexps rewrites f(x for x in y) to f([x for x in y]). Only the form in
// which the generator is the call's sole argument is rewritten: Python allows
// no other unparenthesised one, and Starlark rejects all of them.
func (p *prep) genexps() {
	for i, t := range p.toks {
		if t.kind != tOp || t.text != "(" || i == 0 || !isOperandEnd(p.toks[i-1]) {
			continue
		}
		closeIdx, ok := p.match[i]
		if !ok || closeIdx == i+1 {
			continue
		}
		inner := t.depth + 1
		isGen := false
		for j := i + 1; j < closeIdx; j++ {
			u := p.toks[j]
			if u.depth != inner {
				continue
			}
			if u.kind == tOp && (u.text == "," || u.text == "=" || u.text == "*" && j == i+1 || u.text == "**" && j == i+1) {
				break
			}
			if u.kind == tName && u.text == "for" {
				isGen = j > i+1
				break
			}
		}
		if !isGen {
			continue
		}
		c := p.toks[closeIdx]
		// The marker tells the AST transform that the list was a
		// generator (dialect_genexp.go): all() and any() of one stop at
		// the first answer, as Python's do.
		p.wraps = append(p.wraps, srcWrap{t.end, c.start, genexpMarker + "([", "])"})
	}
}

// annotations blanks out type annotations: of parameters and return types
// in def headers, and of annotated assignments `x: T = v` (a bare `x: T`
// becomes pass). Annotations have no run-time effect in Python.
func (p *prep) annotations() {
	lines := p.logicalLines()
	inClass := p.classBodyLines(lines)
	for li, ln := range lines {
		from, to := ln[0], ln[1]
		first := p.toks[from]
		if first.kind == tName && first.text == "def" {
			p.defAnnotations(from, to)
			continue
		}
		if first.kind == tName && !pyKeywords[first.text] && from+1 < to && p.toks[from+1].text == ":" {
			colon := p.toks[from+1]
			end := to
			for j := from + 2; j < to; j++ {
				if p.toks[j].text == "=" && p.toks[j].depth == first.depth {
					end = j
					break
				}
			}
			if end == from+2 {
				continue
			}
			if inClass[li] {
				// A class attribute's annotation marks a dataclass field:
				// `x: int = 0` becomes `x = _latm_field(0)`, `x: int`
				// becomes `x = _latm_field()`.
				last := p.toks[to-1]
				if end == to {
					p.edits = append(p.edits, srcEdit{colon.start, last.end, " = " + fieldName + "()" + newlinesOf(p.src[colon.start:last.end])})
					continue
				}
				if end+1 >= to {
					continue
				}
				p.edits = append(p.edits, srcEdit{colon.start, p.toks[end-1].end, blank(p.src[colon.start:p.toks[end-1].end])})
				p.wraps = append(p.wraps, srcWrap{p.toks[end+1].start, last.end, fieldName + "(", ")"})
				continue
			}
			if end == to {
				// Declaration only: `x: int` becomes `pass`.
				span := p.src[first.start:p.toks[to-1].end]
				text := "pass" + newlinesOf(span) // keeps the lines
				if len(span) >= 4 && !strings.Contains(span[:4], "\n") {
					text = "pass" + blank(span)[4:] // keeps the columns too
				}
				p.edits = append(p.edits, srcEdit{first.start, p.toks[to-1].end, text})
				continue
			}
			p.edits = append(p.edits, srcEdit{colon.start, p.toks[end-1].end, blank(p.src[colon.start:p.toks[end-1].end])})
		}
	}
}

// classBodyLines marks the lines (by index in lines) directly in the body
// of a class statement.
func (p *prep) classBodyLines(lines [][2]int) map[int]bool {
	type open struct{ indent, body int }
	var stack []open
	out := map[int]bool{}
	for i, ln := range lines {
		ind := p.indentOf(ln)
		for len(stack) > 0 && ind <= stack[len(stack)-1].indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.body < 0 {
				top.body = ind
			}
			out[i] = ind == top.body
		}
		if t := p.toks[ln[0]]; t.kind == tName && t.text == "class" {
			stack = append(stack, open{ind, -1})
		}
	}
	return out
}

// defAnnotations blanks the annotations of one def header.
func (p *prep) defAnnotations(from, to int) {
	open := from + 2
	if open >= to || p.toks[open].text != "(" {
		return
	}
	closeIdx, ok := p.match[open]
	if !ok {
		return
	}
	inner := p.toks[open].depth + 1
	segStart := open + 1
	for j := open + 1; j <= closeIdx; j++ {
		u := p.toks[j]
		if !(j == closeIdx || u.text == "," && u.depth == inner) {
			continue
		}
		// Parameter segment [segStart, j): [*|**] NAME [: T] [= default].
		k := segStart
		if k < j && (p.toks[k].text == "*" || p.toks[k].text == "**") {
			k++
		}
		if k+1 < j && p.toks[k].kind == tName && p.toks[k+1].text == ":" {
			end := j
			for m := k + 2; m < j; m++ {
				if p.toks[m].text == "=" && p.toks[m].depth == inner {
					end = m
					break
				}
			}
			if end > k+2 {
				a, b := p.toks[k+1].start, p.toks[end-1].end
				p.edits = append(p.edits, srcEdit{a, b, blank(p.src[a:b])})
			}
		}
		segStart = j + 1
	}
	if closeIdx+1 < to && p.toks[closeIdx+1].text == "->" {
		for m := closeIdx + 2; m < to; m++ {
			if p.toks[m].text == ":" && p.toks[m].depth == p.toks[from].depth {
				a, b := p.toks[closeIdx+1].start, p.toks[m-1].end
				p.edits = append(p.edits, srcEdit{a, b, blank(p.src[a:b])})
				break
			}
		}
	}
}

// powers rewrites the binary operator a ** b to pow(a, b), with Python's
// precedence: the left operand is a primary (atom with calls, subscripts and
// attributes), the right one a unary expression, and ** groups to the right.
// A ** after '(' or ',' (keyword-argument unpacking) is left alone.
func (p *prep) powers() {
	for i, t := range p.toks {
		if t.kind != tOp || t.text != "**" || i == 0 || !isOperandEnd(p.toks[i-1]) {
			continue
		}
		left := p.primaryStart(i - 1)
		right := p.unaryEnd(i + 1)
		if left < 0 || right < 0 {
			continue
		}
		p.edits = append(p.edits, srcEdit{t.start, t.end, ","})
		p.wraps = append(p.wraps, srcWrap{p.toks[left].start, p.toks[right].end, "pow(", ")"})
	}
}

// primaryStart returns the index of the first pyToken of the primary that
// ends at pyToken i, or -1.
func (p *prep) primaryStart(i int) int {
	for i >= 0 {
		t := p.toks[i]
		start := i
		switch {
		case t.kind == tOp && (t.text == ")" || t.text == "]" || t.text == "}"):
			o, ok := p.match[i]
			if !ok {
				return -1
			}
			start = o
		case t.kind == tName || t.kind == tNumber || t.kind == tString:
		default:
			return -1
		}
		// A trailer (call, subscript, attribute) continues to the left.
		if start > 0 {
			prev := p.toks[start-1]
			if p.toks[start].text == "(" || p.toks[start].text == "[" {
				if isOperandEnd(prev) {
					i = start - 1
					continue
				}
			}
			if t.kind == tName && prev.text == "." && start > 1 {
				i = start - 2
				continue
			}
			if t.kind == tString && prev.kind == tString {
				i = start - 1 // implicit concatenation
				continue
			}
		}
		return start
	}
	return -1
}

// unaryEnd returns the index of the last pyToken of the unary expression
// (including a right-nested power) that starts at pyToken i, or -1.
func (p *prep) unaryEnd(i int) int {
	for i < len(p.toks) && p.toks[i].kind == tOp && (p.toks[i].text == "-" || p.toks[i].text == "+" || p.toks[i].text == "~") {
		i++
	}
	if i >= len(p.toks) {
		return -1
	}
	end := -1
	switch t := p.toks[i]; {
	case t.kind == tOp && (t.text == "(" || t.text == "[" || t.text == "{"):
		c, ok := p.match[i]
		if !ok {
			return -1
		}
		end = c
	case (t.kind == tName && !pyKeywords[t.text]) || t.kind == tNumber || t.kind == tString:
		end = i
	default:
		return -1
	}
	for end+1 < len(p.toks) {
		n := p.toks[end+1]
		switch {
		case n.kind == tOp && (n.text == "(" || n.text == "["):
			c, ok := p.match[end+1]
			if !ok {
				return -1
			}
			end = c
		case n.kind == tOp && n.text == "." && end+2 < len(p.toks) && p.toks[end+2].kind == tName:
			end += 2
		case n.kind == tString && p.toks[end].kind == tString:
			end++
		case n.kind == tOp && n.text == "**":
			r := p.unaryEnd(end + 2)
			if r < 0 {
				return -1
			}
			end = r
		default:
			return end
		}
	}
	return end
}

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
	"fmt"
	"sort"
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

// noopModules are imports that need nothing at run time.
var noopModules = map[string]bool{"typing": true, "__future__": true}

// tokKind classifies a pyToken of the hand tokenizer.
type tokKind int

const (
	tName tokKind = iota
	tNumber
	tString
	tOp
	tComment
	tNewline // a newline ending a logical line (outside brackets)
)

// pyToken is one lexical pyToken: its kind, text and byte offsets in the source,
// its line (1-based), and the bracket depth before it.
type pyToken struct {
	kind       tokKind
	text       string
	start, end int
	line       int
	depth      int
}

// pyKeywords are the words that can never be a callee or an operand.
var pyKeywords = map[string]bool{
	"and": true, "as": true, "assert": true, "break": true, "class": true, "continue": true,
	"def": true, "del": true, "elif": true, "else": true, "except": true, "finally": true,
	"for": true, "from": true, "global": true, "if": true, "import": true, "in": true,
	"is": true, "lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true,
	"raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
	"load": false,
}

// pyTokenize splits Python/Starlark source into tokens. It understands
// single-, triple-quoted and prefixed strings, comments, line continuations
// and brackets; anything it does not recognise becomes a one-byte operator,
// so it never fails: the parser reports real syntax errors later.
func pyTokenize(src string) []pyToken {
	var toks []pyToken
	line, depth := 1, 0
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 {
				toks = append(toks, pyToken{kind: tNewline, text: "\n", start: i, end: i + 1, line: line})
			}
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			line++
			i += 2
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			toks = append(toks, pyToken{kind: tComment, text: src[i : i+j], start: i, end: i + j, line: line, depth: depth})
			i += j
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := src[i:j]
			if j < len(src) && (src[j] == '"' || src[j] == '\'') && isStringPrefix(word) {
				end, nl := scanString(src, j)
				toks = append(toks, pyToken{kind: tString, text: src[i:end], start: i, end: end, line: line, depth: depth})
				line += nl
				i = end
				continue
			}
			toks = append(toks, pyToken{kind: tName, text: word, start: i, end: j, line: line, depth: depth})
			i = j
		case c == '"' || c == '\'':
			end, nl := scanString(src, i)
			toks = append(toks, pyToken{kind: tString, text: src[i:end], start: i, end: end, line: line, depth: depth})
			line += nl
			i = end
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (isIdentPart(src[j]) || src[j] == '.' ||
				(src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E') && !strings.HasPrefix(strings.ToLower(src[i:j]), "0x")) {
				j++
			}
			toks = append(toks, pyToken{kind: tNumber, text: src[i:j], start: i, end: j, line: line, depth: depth})
			i = j
		default:
			n := 1
			if c >= 0x80 {
				// A non-ASCII byte outside a string: keep it whole with its
				// continuation bytes; identifiers may be Unicode.
				for i+n < len(src) && src[i+n]&0xC0 == 0x80 {
					n++
				}
				toks = append(toks, pyToken{kind: tName, text: src[i : i+n], start: i, end: i + n, line: line, depth: depth})
				i += n
				continue
			}
			for _, op := range []string{"**=", "//=", ">>=", "<<=", "->", "**", "//", "==", "!=", "<=", ">=", "<<", ">>", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			t := pyToken{kind: tOp, text: src[i : i+n], start: i, end: i + n, line: line, depth: depth}
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
				t.depth = depth
			}
			toks = append(toks, t)
			i += n
		}
	}
	return toks
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "b", "rb", "br", "f", "fr", "rf", "u":
		return true
	}
	return false
}

// scanString returns the end offset of the string literal whose opening
// quote is at src[i], and the number of newlines inside it. An unterminated
// string ends at the end of its line (single-quoted) or of the source.
func scanString(src string, i int) (end, newlines int) {
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	j := i + 1
	if triple {
		j = i + 3
	}
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\\' && j+1 < len(src):
			if src[j+1] == '\n' {
				newlines++
			}
			j += 2
			continue
		case c == '\n':
			if !triple {
				return j, newlines
			}
			newlines++
		case c == q:
			if !triple {
				return j + 1, newlines
			}
			if strings.HasPrefix(src[j:], strings.Repeat(string(q), 3)) {
				return j + 3, newlines
			}
		}
		j++
	}
	return len(src), newlines
}

// srcEdit replaces src[start:end] with text.
type srcEdit struct {
	start, end int
	text       string
}

// applyEdits applies non-overlapping edits; edits at the same offset keep
// their order.
func applyEdits(src string, edits []srcEdit) string {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			continue // overlapping: the first srcEdit wins
		}
		b.WriteString(src[pos:e.start])
		b.WriteString(e.text)
		pos = e.end
	}
	b.WriteString(src[pos:])
	return b.String()
}

// blank returns s with every byte but newlines replaced by a space, so that
// removing s keeps both lines and columns of what follows.
func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// newlinesOf returns the newlines of s, to keep a replaced span's line count.
func newlinesOf(s string) string { return strings.Repeat("\n", strings.Count(s, "\n")) }

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
	for _, ln := range p.logicalLines() {
		if err := p.statement(ln); err != nil {
			return "", err
		}
	}
	p.genexps()
	p.annotations()
	p.powers()
	p.fstrings()
	return applyEdits(src, p.edits), nil
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
	if comma < 0 {
		cond := p.src[p.toks[from+1].start:last.end]
		msg := strconv.Quote(strings.Join(strings.Fields(cond), " "))
		p.edits = append(p.edits,
			srcEdit{kw.start, kw.end, "if not ("},
			srcEdit{last.end, last.end, "): " + assertName + "(" + msg + ")"})
		return
	}
	if comma == from+1 || comma == to-1 {
		return // malformed: let the parser report it
	}
	c := p.toks[comma]
	p.edits = append(p.edits,
		srcEdit{kw.start, kw.end, "if not ("},
		srcEdit{c.start, c.end, "): " + assertName + "("},
		srcEdit{last.end, last.end, ")"})
}

// availableModules lists the modules a program may import, sorted.
func (p *prep) availableModules() []string {
	var names []string
	for n := range p.mods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkModule reports an error unless name is an importable module.
func (p *prep) checkModule(t pyToken, name string) error {
	if noopModules[name] {
		return nil
	}
	if _, ok := p.mods[name]; ok {
		return nil
	}
	avail := strings.Join(p.availableModules(), ", ")
	if avail == "" {
		avail = "none"
	}
	h := "use the builtins and available modules instead"
	switch name {
	case "collections":
		h = "use a dict with d.get(k, 0) + 1 instead of Counter, and d.setdefault(k, []) or d.get instead of defaultdict"
	case "functools":
		h = "write the loop instead of reduce; lru_cache: keep a dict of computed results"
	case "random", "time", "os", "sys":
		h = "tools must be deterministic and cannot reach the system: pass the data in as arguments"
	case "numpy", "pandas", "sympy", "scipy":
		h = "use lists and the math module"
	}
	return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, avail), h)
}

// dotted reads a dotted name starting at pyToken i, returning it and the
// index after it.
func (p *prep) dotted(i, to int) (string, int) {
	var parts []string
	for i < to && p.toks[i].kind == tName {
		parts = append(parts, p.toks[i].text)
		i++
		if i < to && p.toks[i].text == "." {
			i++
			continue
		}
		break
	}
	return strings.Join(parts, "."), i
}

// replaceStmt replaces the code of a logical line by stmt, keeping its
// newlines.
func (p *prep) replaceStmt(ln [2]int, stmt string) {
	a, b := p.toks[ln[0]].start, p.toks[ln[1]-1].end
	p.edits = append(p.edits, srcEdit{a, b, stmt + newlinesOf(p.src[a:b])})
}

// importStmt handles `import a, b as c`.
func (p *prep) importStmt(ln [2]int) error {
	var assigns []string
	i := ln[0] + 1
	for i < ln[1] {
		t := p.toks[i]
		name, j := p.dotted(i, ln[1])
		if name == "" {
			return nil // malformed: let the parser report it
		}
		root := strings.SplitN(name, ".", 2)[0]
		if err := p.checkModule(t, root); err != nil {
			return err
		}
		if strings.Contains(name, ".") && !noopModules[root] {
			return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, strings.Join(p.availableModules(), ", ")), "import the top-level module and use its attributes")
		}
		alias := ""
		if j+1 < ln[1] && p.toks[j].text == "as" && p.toks[j+1].kind == tName {
			alias = p.toks[j+1].text
			j += 2
		}
		if alias != "" && alias != name && !noopModules[root] {
			assigns = append(assigns, alias+" = "+moduleAlias+name)
		}
		if j < ln[1] && p.toks[j].text != "," {
			return nil
		}
		i = j + 1
	}
	p.replaceStmt(ln, stmtList(assigns))
	return nil
}

// fromStmt handles `from m import a, b as c`, `from m import (a, b)` and
// `from m import *`.
func (p *prep) fromStmt(ln [2]int) error {
	if ln[1]-ln[0] < 2 {
		return nil // malformed: let the parser report it
	}
	t := p.toks[ln[0]+1]
	name, i := p.dotted(ln[0]+1, ln[1])
	if name == "" || i >= ln[1] || p.toks[i].text != "import" {
		return nil
	}
	root := strings.SplitN(name, ".", 2)[0]
	if err := p.checkModule(t, root); err != nil {
		return err
	}
	if noopModules[root] {
		p.replaceStmt(ln, "pass")
		return nil
	}
	if strings.Contains(name, ".") {
		return p.errorAt(t, fmt.Sprintf("module '%s' is not available; available modules: %s", name, strings.Join(p.availableModules(), ", ")), "import the top-level module and use its attributes")
	}
	mod := p.mods[name]
	var assigns []string
	i++
	if i < ln[1] && p.toks[i].text == "*" {
		for _, m := range sortedAttrs(mod) {
			assigns = append(assigns, m+" = "+moduleAlias+name+"."+m)
		}
		p.replaceStmt(ln, stmtList(assigns))
		return nil
	}
	for i < ln[1] {
		tt := p.toks[i]
		if tt.text == "(" || tt.text == ")" || tt.text == "," {
			i++
			continue
		}
		if tt.kind != tName {
			return nil
		}
		attr, alias := tt.text, tt.text
		i++
		if i+1 < ln[1] && p.toks[i].text == "as" && p.toks[i+1].kind == tName {
			alias = p.toks[i+1].text
			i += 2
		}
		if mod != nil {
			if v, _ := mod.Attr(attr); v == nil {
				return p.errorAt(tt, fmt.Sprintf("module '%s' has no '%s'; it has: %s", name, attr, strings.Join(sortedAttrs(mod), ", ")), "")
			}
		}
		assigns = append(assigns, alias+" = "+moduleAlias+name+"."+attr)
	}
	p.replaceStmt(ln, stmtList(assigns))
	return nil
}

// sortedAttrs lists a module's members.
func sortedAttrs(m *starlarkstruct.Module) []string {
	if m == nil {
		return nil
	}
	names := m.AttrNames()
	sort.Strings(names)
	return names
}

// stmtList joins simple statements on one line.
func stmtList(stmts []string) string {
	if len(stmts) == 0 {
		return "pass"
	}
	return strings.Join(stmts, "; ")
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
		p.edits = append(p.edits, srcEdit{t.end, t.end, "["}, srcEdit{c.start, c.start, "]"})
	}
}

// annotations blanks out type annotations: of parameters and return types
// in def headers, and of annotated assignments `x: T = v` (a bare `x: T`
// becomes pass). Annotations have no run-time effect in Python.
func (p *prep) annotations() {
	for _, ln := range p.logicalLines() {
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
		p.edits = append(p.edits,
			srcEdit{p.toks[left].start, p.toks[left].start, "pow("},
			srcEdit{t.start, t.end, ","},
			srcEdit{p.toks[right].end, p.toks[right].end, ")"})
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
func transform(f *syntax.File) error {
	rewriteExprs(f)
	rewriteStrings(f) // pystr.go: Python's string indexing
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
func rewriteExprs(f *syntax.File) {
	rewriteStmts(f.Stmts)
}

func rewriteStmts(stmts []syntax.Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *syntax.AssignStmt:
			s.LHS = rewriteExpr(s.LHS)
			s.RHS = rewriteExpr(s.RHS)
		case *syntax.ExprStmt:
			s.X = rewriteExpr(s.X)
		case *syntax.IfStmt:
			s.Cond = rewriteExpr(s.Cond)
			rewriteStmts(s.True)
			rewriteStmts(s.False)
		case *syntax.ForStmt:
			s.X = wrapIter(rewriteExpr(s.X))
			rewriteStmts(s.Body)
		case *syntax.WhileStmt:
			s.Cond = rewriteExpr(s.Cond)
			rewriteStmts(s.Body)
		case *syntax.DefStmt:
			rewriteParams(s.Params)
			rewriteStmts(s.Body)
		case *syntax.ReturnStmt:
			if s.Result != nil {
				s.Result = rewriteExpr(s.Result)
			}
		}
	}
}

// rewriteParams rewrites default values, never the parameter names.
func rewriteParams(params []syntax.Expr) {
	for _, p := range params {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = rewriteExpr(b.Y)
		}
	}
}

func rewriteList(xs []syntax.Expr) {
	for i, x := range xs {
		xs[i] = rewriteExpr(x)
	}
}

func rewriteExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.ParenExpr:
		e.X = rewriteExpr(e.X)
	case *syntax.CallExpr:
		e.Fn = rewriteExpr(e.Fn)
		for i, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = rewriteExpr(b.Y) // keyword argument: keep the name
				continue
			}
			e.Args[i] = rewriteExpr(a)
		}
		if dot, ok := e.Fn.(*syntax.DotExpr); ok && extraMethods[dot.Name.Name] {
			name := &syntax.Literal{Token: syntax.STRING, TokenPos: dot.NamePos, Raw: strconv.Quote(dot.Name.Name), Value: dot.Name.Name}
			args := append([]syntax.Expr{dot.X, name}, e.Args...)
			return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: dot.NamePos, Name: methodName}, Lparen: e.Lparen, Args: args, Rparen: e.Rparen}
		}
	case *syntax.DotExpr:
		e.X = rewriteExpr(e.X)
	case *syntax.IndexExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
	case *syntax.SliceExpr:
		e.X = rewriteExpr(e.X)
		e.Lo = rewriteExpr(e.Lo)
		e.Hi = rewriteExpr(e.Hi)
		e.Step = rewriteExpr(e.Step)
	case *syntax.UnaryExpr:
		e.X = rewriteExpr(e.X)
	case *syntax.BinaryExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
		if lit, ok := e.X.(*syntax.Literal); ok && e.Op == syntax.PERCENT && lit.Token == syntax.STRING {
			return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: e.OpPos, Name: percentName}, Lparen: e.OpPos, Args: []syntax.Expr{e.X, e.Y}, Rparen: e.OpPos}
		}
	case *syntax.CondExpr:
		e.Cond = rewriteExpr(e.Cond)
		e.True = rewriteExpr(e.True)
		e.False = rewriteExpr(e.False)
	case *syntax.ListExpr:
		rewriteList(e.List)
	case *syntax.TupleExpr:
		rewriteList(e.List)
	case *syntax.DictExpr:
		rewriteList(e.List)
	case *syntax.DictEntry:
		e.Key = rewriteExpr(e.Key)
		e.Value = rewriteExpr(e.Value)
	case *syntax.LambdaExpr:
		rewriteParams(e.Params)
		e.Body = rewriteExpr(e.Body)
	case *syntax.Comprehension:
		e.Body = rewriteExpr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = wrapIter(rewriteExpr(c.X))
			case *syntax.IfClause:
				c.Cond = rewriteExpr(c.Cond)
			}
		}
	}
	return e
}

package starlarkrt

// The hand tokenizer of the dialect's source rewrites, and the edits they
// make to the source.

import (
	"sort"
	"strings"
)

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

// srcWrap puts open before src[start:end] and close after it. Wraps nest:
// where several edits meet at one offset, the closes of the wraps ending
// there come first (the innermost first), then the plain insertions, then
// the opens of the wraps starting there (the outermost first; of two wraps
// of the same span, the one added first is the outer), then a plain edit
// that replaces text starting there: a wrap around an f-string rewritten
// into a format call, as in join(f"{k}" for k in xs), opens before it.
type srcWrap struct {
	start, end  int
	open, close string
}

// applyEdits applies non-overlapping edits and wraps; plain edits at the
// same offset keep their order.
func applyEdits(src string, edits []srcEdit, wraps ...srcWrap) string {
	type keyed struct {
		e          srcEdit
		class, key int
		n          int
	}
	all := make([]keyed, 0, len(edits)+2*len(wraps))
	for i, e := range edits {
		class := 1
		if e.end > e.start {
			class = 3
		}
		all = append(all, keyed{e, class, 0, i})
	}
	for i, w := range wraps {
		if w.open != "" {
			all = append(all, keyed{srcEdit{w.start, w.start, w.open}, 2, -w.end, i})
		}
		if w.close != "" {
			all = append(all, keyed{srcEdit{w.end, w.end, w.close}, 0, -w.start, -i})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.e.start != b.e.start {
			return a.e.start < b.e.start
		}
		if a.class != b.class {
			return a.class < b.class
		}
		if a.key != b.key {
			return a.key < b.key
		}
		return a.n < b.n
	})
	var b strings.Builder
	pos := 0
	for _, k := range all {
		e := k.e
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

package user

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The literals of a usage example's call code, as the template path sees
// them: scalar literals (strings and numbers) and list literals whose items
// are all scalars or all tuples of scalars of one arity. These are the
// places the question's text can have come from; everything else in the
// code (names, operators, indexes) is the code's own.

// atom is one string or number literal of call code.
type atom struct {
	start, end int    // the literal's bytes in the code, quotes included
	value      string // the string's content, or the number as written
	num        bool
	quote      byte // a string's quote character
}

// render writes v as a literal of a's kind: a number as it is, a string in
// a's quotes. It fails for a number that is not one, and for a string that
// would need escaping.
func (a atom) render(v string) (string, bool) {
	if a.num {
		return v, numberRe.MatchString(v)
	}
	if strings.ContainsAny(v, "\\\n\r") || strings.IndexByte(v, a.quote) >= 0 {
		return "", false
	}
	return string(a.quote) + v + string(a.quote), true
}

// listLit is a list literal of scalars or of tuples of scalars.
type listLit struct {
	start, end int      // the brackets' bytes in the code
	items      [][]atom // per item its scalars (one unless tuples)
	tuple      bool
}

// render writes a list of items (each as many values as the arity) in the
// literal's own style; it fails where a value does not fit its literal.
func (l listLit) render(items [][]string) (string, bool) {
	var b strings.Builder
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		if len(it) != len(l.items[0]) {
			return "", false
		}
		if l.tuple {
			b.WriteByte('(')
		}
		for k, v := range it {
			if k > 0 {
				b.WriteString(", ")
			}
			// Items take the literal style of the first item.
			s, ok := l.items[0][k].render(v)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		if l.tuple {
			b.WriteByte(')')
		}
	}
	b.WriteByte(']')
	return b.String(), true
}

// codeLiterals scans code (Starlark or Python call code) for its scalar
// literals and its list literals of scalars. A string with escapes, or a
// triple-quoted one, is not a scalar the template may rewrite, and a list
// holding one is not a list of scalars.
func codeLiterals(code string) (atoms []atom, lists []listLit) {
	type tok struct {
		kind  byte // 's' string, 'n' number, 'x' string not to rewrite, or the punctuation itself
		start int
		end   int
	}
	var toks []tok
	var strAtoms = map[int]atom{}
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == '#':
			for i < len(code) && code[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			if strings.HasPrefix(code[i:], strings.Repeat(string(c), 3)) {
				q := strings.Repeat(string(c), 3)
				j := strings.Index(code[i+3:], q)
				end := len(code)
				if j >= 0 {
					end = i + 3 + j + 3
				}
				toks = append(toks, tok{'x', i, end})
				i = end
				continue
			}
			j, escaped := i+1, false
			for j < len(code) && code[j] != c && code[j] != '\n' {
				if code[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			end := min(j+1, len(code))
			if j >= len(code) || code[j] != c || escaped {
				toks = append(toks, tok{'x', i, end})
			} else {
				toks = append(toks, tok{'s', i, end})
				strAtoms[i] = atom{start: i, end: end, value: code[i+1 : j], quote: c}
			}
			i = end
			continue
		case c >= '0' && c <= '9' && (i == 0 || !isWordByte(code[i-1])):
			j := i
			for j < len(code) && (code[j] >= '0' && code[j] <= '9') {
				j++
			}
			if j+1 < len(code) && code[j] == '.' && code[j+1] >= '0' && code[j+1] <= '9' {
				j++
				for j < len(code) && code[j] >= '0' && code[j] <= '9' {
					j++
				}
			}
			if j < len(code) && isWordByte(code[j]) {
				// 0x1f, 1e3, 2j: not a plain number.
				for j < len(code) && isWordByte(code[j]) {
					j++
				}
				toks = append(toks, tok{'w', i, j})
			} else {
				toks = append(toks, tok{'n', i, j})
			}
			i = j
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case isWordByte(c):
			j := i
			for j < len(code) && isWordByte(code[j]) {
				j++
			}
			toks = append(toks, tok{'w', i, j})
			i = j
			continue
		default:
			toks = append(toks, tok{c, i, i + 1})
		}
		i++
	}
	for _, t := range toks {
		switch t.kind {
		case 's':
			atoms = append(atoms, strAtoms[t.start])
		case 'n':
			atoms = append(atoms, atom{start: t.start, end: t.end, value: code[t.start:t.end], num: true})
		}
	}
	scalar := func(t tok) (atom, bool) {
		switch t.kind {
		case 's':
			return strAtoms[t.start], true
		case 'n':
			return atom{start: t.start, end: t.end, value: code[t.start:t.end], num: true}, true
		}
		return atom{}, false
	}
	// A list literal: '[' item (',' item)* ','? ']' with item a scalar or
	// '(' scalar (',' scalar)* ','? ')', all items of one form. A '[' after
	// a name or a closing bracket is an index, not a list.
	for i, t := range toks {
		if t.kind != '[' || i > 0 && (toks[i-1].kind == 'w' || toks[i-1].kind == ')' || toks[i-1].kind == ']' || toks[i-1].kind == 's') {
			continue
		}
		var l listLit
		j, ok := i+1, true
		for ok && j < len(toks) && toks[j].kind != ']' {
			var item []atom
			isTuple := toks[j].kind == '('
			if isTuple {
				j++
				for j < len(toks) && toks[j].kind != ')' {
					a, isScalar := scalar(toks[j])
					if !isScalar {
						ok = false
						break
					}
					item = append(item, a)
					j++
					if j < len(toks) && toks[j].kind == ',' {
						j++
					}
				}
				if j >= len(toks) {
					ok = false
					break
				}
				j++ // ')'
			} else if a, isScalar := scalar(toks[j]); isScalar {
				item = []atom{a}
				j++
			} else {
				ok = false
				break
			}
			if len(item) == 0 || len(l.items) > 0 && (len(item) != len(l.items[0]) || l.tuple != isTuple) {
				ok = false
				break
			}
			l.tuple = isTuple
			l.items = append(l.items, item)
			if j < len(toks) && toks[j].kind == ',' {
				j++
			} else if j < len(toks) && toks[j].kind != ']' {
				ok = false
			}
		}
		if !ok || j >= len(toks) || len(l.items) < 2 {
			continue
		}
		// Items of one list share a kind per place.
		for _, it := range l.items[1:] {
			for k := range it {
				if it[k].num != l.items[0][k].num {
					ok = false
				}
			}
		}
		if ok {
			l.start, l.end = t.start, toks[j].end
			lists = append(lists, l)
		}
	}
	return atoms, lists
}

// hasAlnum reports whether s has a letter or a digit: a literal without one
// (a separator such as " ") is never taken for question text.
func hasAlnum(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func isAlnumRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// bounded reports whether s[i:j] stands on its own in s: a stretch that
// starts (ends) with a letter or digit has none just before (after) it,
// and a number is not part of a longer one (1.5, 1,000).
func bounded(s string, i, j int, num bool) bool {
	if i >= j {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s[i:])
	last, _ := utf8.DecodeLastRuneInString(s[:j])
	if i > 0 && isAlnumRune(first) {
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); isAlnumRune(prev) {
			return false
		}
	}
	if j < len(s) && isAlnumRune(last) {
		if next, _ := utf8.DecodeRuneInString(s[j:]); isAlnumRune(next) {
			return false
		}
	}
	if num {
		if i >= 2 && (s[i-1] == '.' || s[i-1] == ',') && s[i-2] >= '0' && s[i-2] <= '9' {
			return false
		}
		if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && s[j+1] >= '0' && s[j+1] <= '9' {
			return false
		}
		if i >= 1 && s[i-1] == '-' {
			return false // the literal is unsigned; -5 is another number
		}
	}
	return true
}

// occurrences returns the offsets in s where v stands on its own.
func occurrences(s, v string, num bool) []int {
	var out []int
	if v == "" {
		return nil
	}
	for from := 0; from <= len(s)-len(v); {
		k := strings.Index(s[from:], v)
		if k < 0 {
			break
		}
		at := from + k
		if bounded(s, at, at+len(v), num) {
			out = append(out, at)
		}
		from = at + 1
	}
	return out
}

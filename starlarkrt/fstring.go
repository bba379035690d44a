package starlarkrt

import "strings"

// fstrings rewrites every f-string into a str.format call:
//
//	f"{name!r} has {n:>3} items"   →   "{!r} has {:>3} items".format((name), (n))
//
// Fields keep their conversion and format spec (nested fields of a spec
// become arguments too, in the order Python evaluates them), "{x=}" shows
// the expression's text before the value, and "{{", "}}" stay as they are,
// which str.format reads as Python does. No f-string is valid Starlark, so
// the rewrite cannot change a valid program. An f-string this cannot read
// (an unmatched brace) is left for the parser to reject, with its hint.
// Newlines move from the fields into the call's parentheses, so the line
// count is kept.
func (p *prep) fstrings() {
	for _, t := range p.toks {
		if t.kind != tString {
			continue
		}
		q := strings.IndexAny(t.text, `"'`)
		prefix := strings.ToLower(t.text[:q])
		if !strings.Contains(prefix, "f") || strings.Contains(prefix, "b") {
			continue
		}
		if out, ok := rewriteFString(t.text, strings.Contains(prefix, "r")); ok {
			p.edits = append(p.edits, srcEdit{t.start, t.end, out})
		}
	}
}

// rewriteFString turns the f-string literal lit into a format call.
func rewriteFString(lit string, raw bool) (string, bool) {
	q := strings.IndexAny(lit, `"'`)
	quote := lit[q : q+1]
	if strings.HasPrefix(lit[q:], strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	body := lit[q+len(quote):]
	if !strings.HasSuffix(body, quote) || len(body) < len(quote) {
		return "", false // unterminated
	}
	body = body[:len(body)-len(quote)]
	var tmpl strings.Builder
	var args []string
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\\' && !raw && i+1 < len(body):
			tmpl.WriteString(body[i : i+2])
			i += 2
		case c == '{' && strings.HasPrefix(body[i:], "{{"), c == '}' && strings.HasPrefix(body[i:], "}}"):
			tmpl.WriteString(body[i : i+2])
			i += 2
		case c == '}':
			return "", false // a single } is an error in Python too
		case c == '{':
			end := fieldEnd(body, i+1)
			if end < 0 {
				return "", false
			}
			field, fargs, ok := rewriteField(body[i+1 : end])
			if !ok {
				return "", false
			}
			tmpl.WriteString(field)
			args = append(args, fargs...)
			i = end + 1
		default:
			tmpl.WriteByte(c)
			i++
		}
	}
	var b strings.Builder
	if raw {
		b.WriteByte('r')
	}
	b.WriteString(quote)
	b.WriteString(tmpl.String())
	b.WriteString(quote)
	if len(args) > 0 {
		b.WriteString(".format(")
		b.WriteString(strings.Join(args, ", "))
		b.WriteString(")")
	}
	return b.String(), true
}

// fieldEnd returns the index of the } that closes the field starting at
// body[start], skipping nested brackets and quoted strings, or -1.
func fieldEnd(body string, start int) int {
	depth := 0
	for i := start; i < len(body); i++ {
		switch c := body[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']':
			depth--
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		case '"', '\'':
			j := strings.IndexByte(body[i+1:], c)
			if j < 0 {
				return -1
			}
			i += j + 1
		}
	}
	return -1
}

// rewriteField turns the inside of one f-string field (expr[=][!c][:spec])
// into a str.format field and the expressions it takes, parenthesized.
func rewriteField(f string) (field string, args []string, ok bool) {
	expr, conv, spec, ok := splitField(f)
	if !ok || strings.TrimSpace(expr) == "" {
		return "", nil, false
	}
	var lead string
	if e := strings.TrimRight(expr, " \t"); strings.HasSuffix(e, "=") && !strings.HasSuffix(e, "==") &&
		!strings.HasSuffix(e, "!=") && !strings.HasSuffix(e, "<=") && !strings.HasSuffix(e, ">=") {
		// "{x=}" shows "x=" and then repr(x), unless told otherwise.
		lead = strings.NewReplacer("{", "{{", "}", "}}").Replace(expr)
		expr = strings.TrimSuffix(e, "=")
		if conv == "" && spec == "" {
			conv = "r"
		}
	}
	args = append(args, "("+expr+")")
	var b strings.Builder
	b.WriteString(lead)
	b.WriteByte('{')
	if conv != "" {
		b.WriteString("!" + conv)
	}
	if spec != "" {
		b.WriteByte(':')
		// Nested fields of the spec: {width} → {} and an argument.
		for i := 0; i < len(spec); i++ {
			if spec[i] != '{' {
				b.WriteByte(spec[i])
				continue
			}
			end := fieldEnd(spec, i+1)
			if end < 0 || strings.TrimSpace(spec[i+1:end]) == "" {
				return "", nil, false
			}
			args = append(args, "("+spec[i+1:end]+")")
			b.WriteString("{}")
			i = end
		}
	}
	b.WriteByte('}')
	return b.String(), args, true
}

// splitField splits expr[!conv][:spec] at the top level of the expression.
func splitField(f string) (expr, conv, spec string, ok bool) {
	depth := 0
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'':
			j := strings.IndexByte(f[i+1:], c)
			if j < 0 {
				return "", "", "", false
			}
			i += j + 1
		case '!':
			if depth == 0 && i+1 < len(f) && f[i+1] != '=' {
				rest := f[i+1:]
				conv, spec, _ = strings.Cut(rest, ":")
				if !strings.Contains(rest, ":") {
					spec = ""
				}
				if conv != "r" && conv != "s" && conv != "a" {
					return "", "", "", false
				}
				return f[:i], conv, spec, true
			}
		case ':':
			if depth == 0 {
				return f[:i], "", f[i+1:], true
			}
		}
	}
	return f, "", "", true
}

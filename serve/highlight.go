package serve

import (
	"html/template"
	"strings"
)

var starlarkKeywords = map[string]bool{
	"and": true, "break": true, "continue": true, "def": true, "elif": true, "else": true, "for": true,
	"if": true, "in": true, "lambda": true, "load": true, "not": true, "or": true, "pass": true,
	"return": true, "while": true, "None": true, "True": true, "False": true,
}

// highlight renders Starlark source as HTML with spans for keywords,
// strings, numbers and comments (classes k, s, n, c). Every character of
// src is escaped; only the spans are markup.
func highlight(src string) template.HTML {
	var b strings.Builder
	span := func(class, text string) {
		b.WriteString(`<span class="` + class + `">`)
		b.WriteString(template.HTMLEscapeString(text))
		b.WriteString("</span>")
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			span("c", src[i:i+j])
			i += j
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			span("s", src[i:j])
			i = j
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if w := src[i:j]; starlarkKeywords[w] {
				span("k", w)
			} else {
				b.WriteString(template.HTMLEscapeString(w))
			}
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'x' || src[j] >= 'a' && src[j] <= 'f') {
				j++
			}
			span("n", src[i:j])
			i = j
		default:
			b.WriteString(template.HTMLEscapeString(src[i : i+1]))
			i++
		}
	}
	return template.HTML(b.String())
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// stringEnd returns the index just past the string literal at i (single,
// or triple-quoted), or len(src) if it does not end.
func stringEnd(src string, i int) int {
	q := src[i]
	if strings.HasPrefix(src[i:], strings.Repeat(string(q), 3)) {
		if j := strings.Index(src[i+3:], strings.Repeat(string(q), 3)); j >= 0 {
			return i + 3 + j + 3
		}
		return len(src)
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q, '\n':
			return j + 1
		}
	}
	return len(src)
}

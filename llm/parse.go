package llm

import (
	"strings"
)

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// splitThink separates reasoning in <think>…</think> blocks from the reply.
// It also accepts the two shapes reasoning models produce when a template
// eats a tag: a leading "…</think>" with no opening tag, and an opening
// <think> that is never closed (the reply ran out inside its reasoning).
// Both results are trimmed; several reasoning blocks are joined by a blank
// line.
func splitThink(s string) (content, reasoning string) {
	var thoughts []string
	add := func(t string) {
		if t = strings.TrimSpace(t); t != "" {
			thoughts = append(thoughts, t)
		}
	}
	rest := s
	if c := strings.Index(rest, thinkClose); c >= 0 {
		if o := strings.Index(rest, thinkOpen); o < 0 || o > c {
			add(rest[:c])
			rest = rest[c+len(thinkClose):]
		}
	}
	var b strings.Builder
	for {
		o := strings.Index(rest, thinkOpen)
		if o < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:o])
		rest = rest[o+len(thinkOpen):]
		c := strings.Index(rest, thinkClose)
		if c < 0 {
			add(rest)
			break
		}
		add(rest[:c])
		rest = rest[c+len(thinkClose):]
	}
	return strings.TrimSpace(b.String()), strings.Join(thoughts, "\n\n")
}

// codeLangs are the fence labels CodeBlocks keeps; "" is an unlabelled fence.
var codeLangs = map[string]bool{"": true, "starlark": true, "star": true, "python": true, "python3": true, "py": true}

// CodeBlocks returns the fenced code blocks of a reply (labelled starlark,
// python, py or not labelled), in order. Fences are ``` or ~~~ (three or
// more); blocks in other languages (json, text, …) and blank blocks are
// skipped; an unclosed final fence yields its content; a closing fence glued
// to the end of the last code line is accepted.
func CodeBlocks(reply string) []string {
	var blocks []string
	lines := strings.Split(strings.ReplaceAll(reply, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		indent, fence, info, ok := openFence(lines[i])
		if !ok {
			continue
		}
		lang := strings.ToLower(firstWord(info))
		var body []string // an unclosed final fence still yields its content
		for i++; i < len(lines); i++ {
			line := lines[i]
			if isCloseFence(line, fence) {
				break
			}
			if t := strings.TrimRight(line, " \t"); strings.HasSuffix(t, fence) && !strings.HasPrefix(strings.TrimSpace(t), fence[:1]) {
				body = append(body, dedent(strings.TrimSuffix(t, fence), indent))
				break
			}
			body = append(body, dedent(line, indent))
		}
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		code := strings.Join(body, "\n")
		if codeLangs[lang] && strings.TrimSpace(code) != "" {
			blocks = append(blocks, code)
		}
	}
	return blocks
}

// openFence reports whether line opens a fenced block, returning its
// indentation, the fence itself (e.g. "````") and the info string.
func openFence(line string) (indent int, fence, info string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	indent = len(line) - len(t)
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, "", "", false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return 0, "", "", false
	}
	info = strings.TrimSpace(t[n:])
	if t[0] == '`' && strings.Contains(info, "`") {
		return 0, "", "", false // inline code such as ```x```
	}
	return indent, t[:n], info, true
}

func isCloseFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	if len(t) < len(fence) || !strings.HasPrefix(t, fence) {
		return false
	}
	return strings.Trim(t, fence[:1]) == ""
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t{"); i >= 0 {
		return s[:i]
	}
	return s
}

// dedent removes up to n leading spaces or tabs, the indentation of the
// opening fence, so that code inside an indented list item stays valid.
func dedent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return line[i:]
}

package dispatch

import (
	"regexp"
	"strings"

	"github.com/latm/latm/tool"
)

// Parsing the dispatcher's reply. The prompt asks for one line, "Task:
// <name>" or "Task: unknown"; models decorate it ("**Task:** name",
// backticks, a final period), explain it ("Task: name (because …)"), write
// it as a sentence ("The task is name") or spell the name with spaces. The
// last task line counts; its name is matched against the candidates shown,
// and anything that does not name exactly one of them is unknown.

// taskLineRE finds "task:" or "task is" and captures what follows.
var taskLineRE = regexp.MustCompile("(?i)\\btask\\b(?:\\s*name)?[\\s*_`]*(?::|\\bis\\b)[\\s*_`:]*(.*)$")

// negationRE marks a task line that declines to name a task.
var negationRE = regexp.MustCompile(`(?i)\b(unknown|none|not|no|neither|nor)\b`)

// decoration is trimmed from both ends of a name.
const decoration = "`'\"*_[]<>.,;:!?()# \t"

// taskLine returns the text after the last task line of reply.
func taskLine(reply string) (string, bool) {
	text, found := "", false
	for _, line := range strings.Split(reply, "\n") {
		if m := taskLineRE.FindStringSubmatch(line); m != nil {
			text, found = strings.TrimSpace(m[1]), true
		}
	}
	return text, found
}

// headName normalizes the leading name of text: cut at the first
// explanation ("(", ",", ";", " - ", ". "), decoration trimmed, lower case,
// spaces and hyphens as underscores.
func headName(text string) string {
	for _, sep := range []string{" (", "(", ",", ";", " - ", " — ", " – ", ". ", ": "} {
		if i := strings.Index(text, sep); i > 0 {
			text = text[:i]
		}
	}
	return normName(strings.Trim(text, decoration))
}

// normName is the form names are compared in: lower case, runs of spaces
// and hyphens as one underscore.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\t' }), "_")
}

// candidateIndex maps the normalized name of each candidate to its tool.
func candidateIndex(tools []*tool.Tool) map[string]*tool.Tool {
	m := make(map[string]*tool.Tool, len(tools))
	for _, t := range tools {
		m[normName(t.Name)] = t
	}
	return m
}

// pickTool resolves a dispatcher reply to one of the candidates, or nil
// for unknown.
func pickTool(reply string, byName map[string]*tool.Tool) *tool.Tool {
	text, found := taskLine(reply)
	if !found {
		// A bare name is an answer too; anything else is not.
		return byName[headName(strings.TrimSpace(reply))]
	}
	head := headName(text)
	if head == "" || head == "unknown" || strings.HasPrefix(head, "none") {
		return nil
	}
	if t := byName[head]; t != nil {
		return t
	}
	// "Task: I think it is name": take the one candidate the line names,
	// unless it hedges or negates.
	if negationRE.MatchString(text) {
		return nil
	}
	var hit *tool.Tool
	lower := strings.ToLower(text)
	for name, t := range byName {
		if mentions(lower, name) || mentions(lower, strings.ReplaceAll(name, "_", " ")) {
			if hit != nil && hit != t {
				return nil
			}
			hit = t
		}
	}
	return hit
}

// mentions reports whether name occurs in text as a whole identifier.
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isIdent(text[start-1])) && (end == len(text) || !isIdent(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// ParseReply extracts the task name from a dispatcher reply, normalized
// (lower case, spaces and hyphens as underscores): the name on the last
// line of the form "Task: <name>" or "The task is <name>", decoration and
// any explanation after it removed. It returns "" for "unknown" and for a
// reply without such a line.
func ParseReply(reply string) string {
	text, found := taskLine(reply)
	if !found {
		return ""
	}
	head := headName(text)
	if head == "unknown" || strings.HasPrefix(head, "none") {
		return ""
	}
	return head
}

package user

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/latm/latm/tool"
)

// Grounding of the user model's call. A cheap model shown usage examples
// sometimes copies an example's value instead of this question's
// ("What is the sum of the digits of 12345?" answered with
// digit_sum(530141610758), the number of a usage example). The sandbox runs
// such a call happily and the answer is confidently wrong, so the call is
// refused before it runs: a literal (string or number) of the call that
// occurs in a usage example's question but not in this question is
// ungrounded. The model is told which literal and asked once more; a second
// ungrounded call fails the instance as ungrounded.
//
// What may appear in a call without being in the question
// (docs/trust.md): the tool's own constants (any literal of its source);
// values the examples' code shows to be constants or derived (a literal of
// an example's code that its own question does not contain, such as 60 for
// "1-hour" or the 1 of options.index(x) + 1); option texts (they are in the
// question); the numbers 0, 1 and -1, one-character strings and strings
// of separators only (index arithmetic, option letters, ", "); and
// anything found in no example's question.

// literal is one string or number literal of call code.
type literal struct {
	text   string
	number bool
}

var numberLit = regexp.MustCompile(`(^|[^\w.])(-?[0-9]+(?:\.[0-9]+)?)\b`)

// literals returns the string and number literals of code, outside
// comments, in order.
func literals(code string) []literal {
	var out []literal
	spans := stringSpans(code)
	bare := []byte(code)
	for _, sp := range spans {
		out = append(out, literal{text: code[sp[0]:sp[1]]})
		for i := max(sp[0]-1, 0); i < min(sp[1]+1, len(bare)); i++ {
			bare[i] = ' '
		}
	}
	// Blank comments (stringSpans skipped them, so no span is inside one).
	for i := 0; i < len(bare); i++ {
		if bare[i] == '#' {
			for i < len(bare) && bare[i] != '\n' {
				bare[i] = ' '
				i++
			}
		}
	}
	for _, m := range numberLit.FindAllStringSubmatch(string(bare), -1) {
		out = append(out, literal{text: m[2], number: true})
	}
	return out
}

// trivial literals carry no value a model could copy by mistake.
func (l literal) trivial() bool {
	if l.number {
		f, err := strconv.ParseFloat(l.text, 64)
		return err != nil || f == 0 || f == 1 || f == -1
	}
	if len([]rune(strings.TrimSpace(l.text))) <= 1 {
		return true
	}
	// Separators (", ", " - ") carry no value; a bracket string does.
	return strings.IndexFunc(l.text, func(r rune) bool { return !unicode.IsSpace(r) && !strings.ContainsRune(",;:.-_/|", r) }) < 0
}

// occursIn reports whether l occurs in text: a number as a whole number
// (with numeric equality, so 60 matches 60.0), a string as a substring
// bounded like a word where it starts or ends with a letter or digit,
// ignoring case.
func (l literal) occursIn(text string) bool {
	if l.number {
		want, err := strconv.ParseFloat(l.text, 64)
		if err != nil {
			return false
		}
		for _, m := range numberLit.FindAllStringSubmatch(text, -1) {
			if f, err := strconv.ParseFloat(m[2], 64); err == nil && f == want {
				return true
			}
		}
		return false
	}
	return containsWord(strings.ToLower(text), strings.ToLower(l.text))
}

func containsWord(text, sub string) bool {
	if sub == "" {
		return false
	}
	isWord := func(b byte) bool { return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80 }
	for from := 0; ; {
		i := strings.Index(text[from:], sub)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(sub)
		okStart := i == 0 || !isWord(sub[0]) || !isWord(text[i-1])
		okEnd := end == len(text) || !isWord(sub[len(sub)-1]) || !isWord(text[end])
		if okStart && okEnd {
			return true
		}
		from = i + 1
	}
}

// inQuestion is occursIn with spacing forgiven: a bracket string written
// "({{}}" is in the question "( { { } }".
func (l literal) inQuestion(q string) bool {
	if l.occursIn(q) {
		return true
	}
	if l.number {
		return false
	}
	squeeze := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), "") }
	return strings.Contains(squeeze(q), squeeze(l.text))
}

// ungrounded returns the literals of code that come from a usage example's
// question and not from question (see the top of this file), each once, in
// order, with the example they come from (1-based).
func ungrounded(tl *tool.Tool, question, code string) []groundingRefusal {
	exempt := map[literal]bool{}
	for _, l := range literals(tl.Source) {
		exempt[l] = true
	}
	for _, ex := range tl.Examples {
		for _, l := range literals(ex.Code) {
			if !l.occursIn(ex.Question) {
				exempt[l] = true
			}
		}
	}
	var out []groundingRefusal
	seen := map[literal]bool{}
	for _, l := range literals(code) {
		if seen[l] || exempt[l] || l.trivial() || l.inQuestion(question) {
			continue
		}
		seen[l] = true
		for i, ex := range tl.Examples {
			if l.occursIn(ex.Question) {
				out = append(out, groundingRefusal{lit: l, example: i + 1})
				break
			}
		}
	}
	return out
}

// groundingRefusal is one ungrounded literal.
type groundingRefusal struct {
	lit     literal
	example int
}

func (g groundingRefusal) String() string {
	if g.lit.number {
		return fmt.Sprintf("%s (from usage example %d)", g.lit.text, g.example)
	}
	return fmt.Sprintf("%q (from usage example %d)", g.lit.text, g.example)
}

// groundingError is an attempt refused because its call is ungrounded.
type groundingError struct{ refusals []groundingRefusal }

func (e *groundingError) Error() string {
	parts := make([]string, len(e.refusals))
	for i, r := range e.refusals {
		parts[i] = r.String()
	}
	return "ungrounded: the call uses " + strings.Join(parts, ", ") + ", which this question does not contain"
}

// groundingFeedback asks the model for a call built from this question.
func groundingFeedback(e *groundingError) string {
	parts := make([]string, len(e.refusals))
	for i, r := range e.refusals {
		parts[i] = r.String()
	}
	return "Your code uses " + strings.Join(parts, ", ") + ": that value is from a usage example, and this question does not contain it. " +
		"Take every value from this question. Reply with one fenced code block that assigns the final answer to `ans`."
}

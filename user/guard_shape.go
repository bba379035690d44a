package user

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Shape guards of the template path. A template answer skips the model, so
// it stands only when nothing about it looks different from what the tool
// was seen to handle right: every stretch of the new question put into the
// call code must have the shape its counterparts had in the usage examples,
// and the tool's result must have the shape of its results on them and must
// not read like an error. The shapes are learned from the tool's own
// examples (templated, in template.go), never written per task; whatever a
// guard cannot vouch for goes to the model.
//
// A shape is deliberately coarse, so that two instances of one task agree
// and the cases that broke real tools do not:
//   - the number of whitespace-separated tokens: none, one or several (a
//     bracket string quoted "([[{}]]" is one token; spaced, "( [ [ { } ] ]",
//     it is several);
//   - whether the text spans lines;
//   - the kind of each token: its characters mapped to classes (A upper-case
//     letter, a other letter, 9 digit, p bracket, anything else itself) with
//     runs of one class collapsed, so "12:30" is "9:9", "Alice" is "Aa",
//     "(B)" is "pAp", "0.5-hour" is "9.9-a";
//   - for a result, also the JSON type of the raw value (string, number,
//     list, null, …).

// shape is the coarse form of one stretch of text or one result.
type shape struct {
	count   int // tokens: 0, 1, or 2 for several
	newline bool
	kinds   []string // distinct token kinds, sorted
	typ     string   // JSON type of a raw result; "" for question text
}

func shapeOf(s string) shape {
	toks := strings.Fields(s)
	sh := shape{count: min(len(toks), 2), newline: strings.ContainsAny(strings.TrimSpace(s), "\n\r")}
	seen := map[string]bool{}
	for _, t := range toks {
		k := tokenKind(t)
		if !seen[k] {
			seen[k] = true
			sh.kinds = append(sh.kinds, k)
		}
	}
	sort.Strings(sh.kinds)
	return sh
}

func tokenKind(tok string) string {
	var b strings.Builder
	var last rune
	for _, r := range tok {
		var c rune
		switch {
		case unicode.IsUpper(r):
			c = 'A'
		case unicode.IsLetter(r):
			c = 'a'
		case unicode.IsDigit(r):
			c = '9'
		case strings.ContainsRune("()[]{}<>", r):
			c = 'p'
		default:
			c = r
		}
		if c == last && (c == 'a' || c == '9' || c == 'p' || c == 'A') {
			continue
		}
		b.WriteRune(c)
		last = c
	}
	return b.String()
}

// jsonType names the JSON type of an encoded value ("" if raw is empty).
func jsonType(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	switch raw[0] {
	case '"':
		return "string"
	case '[':
		return "list"
	case '{':
		return "dict"
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	}
	var v any
	if json.Unmarshal([]byte(raw), &v) == nil {
		return "number"
	}
	return "other"
}

// shapeSet is every shape a slot or a result was seen with.
type shapeSet struct {
	counts  [3]bool
	newline bool
	kinds   map[string]bool
	types   map[string]bool
}

func (ss *shapeSet) add(sh shape) {
	ss.counts[sh.count] = true
	ss.newline = ss.newline || sh.newline
	if ss.kinds == nil {
		ss.kinds = map[string]bool{}
		ss.types = map[string]bool{}
	}
	for _, k := range sh.kinds {
		ss.kinds[k] = true
	}
	if sh.typ != "" {
		ss.types[sh.typ] = true
	}
}

func (ss *shapeSet) clone() shapeSet {
	out := shapeSet{counts: ss.counts, newline: ss.newline, kinds: map[string]bool{}, types: map[string]bool{}}
	for k := range ss.kinds {
		out.kinds[k] = true
	}
	for k := range ss.types {
		out.types[k] = true
	}
	return out
}

// mismatch says how sh differs from every shape in ss, or "" if ss admits
// it: its token count, lines and type were seen, and each of its token
// kinds was.
func (ss *shapeSet) mismatch(sh shape) string {
	counts := []string{"no token", "one token", "several tokens"}
	switch {
	case !ss.counts[sh.count]:
		var seen []string
		for i, ok := range ss.counts {
			if ok {
				seen = append(seen, counts[i])
			}
		}
		return fmt.Sprintf("%s where the examples had %s", counts[sh.count], strings.Join(seen, " or "))
	case sh.newline && !ss.newline:
		return "several lines where the examples had one"
	case sh.typ != "" && len(ss.types) > 0 && !ss.types[sh.typ]:
		return fmt.Sprintf("a %s where the examples gave %s", sh.typ, strings.Join(sortedKeys(ss.types), " or "))
	}
	for _, k := range sh.kinds {
		if !ss.kinds[k] {
			return fmt.Sprintf("a token shaped %q where the examples had only %s", k, quoteAll(sortedKeys(ss.kinds)))
		}
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// errorLike matches results that read like a tool reporting a failure
// rather than an answer ("Invalid character", "Error: no solution").
var errorLike = regexp.MustCompile(`(?i)\b(error|errors|invalid|exception|traceback|failed|failure|cannot|can't|unable|undefined|impossible|not (found|valid|possible|supported|defined))\b`)

// resultGuard is what a template answer must look like: the shapes of the
// tool's results on its usage examples, and whether any of them read like
// an error (then such words are part of the task's answers).
type resultGuard struct {
	shapes   shapeSet
	errorsOK bool
}

func (g *resultGuard) add(answer, raw string) {
	sh := shapeOf(answer)
	sh.typ = jsonType(raw)
	g.shapes.add(sh)
	g.errorsOK = g.errorsOK || errorLike.MatchString(answer)
}

// check returns why answer (with raw value raw) may not stand, or "".
func (g *resultGuard) check(answer, raw string) string {
	if !g.errorsOK {
		if m := errorLike.FindString(answer); m != "" {
			return fmt.Sprintf("the tool answered %.60q, which reads like an error (%q) and no usage example's answer does", answer, m)
		}
	}
	sh := shapeOf(answer)
	sh.typ = jsonType(raw)
	if why := g.shapes.mismatch(sh); why != "" {
		return fmt.Sprintf("the tool answered %.60q: %s", answer, why)
	}
	return ""
}

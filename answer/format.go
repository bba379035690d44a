package answer

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Format post-processes a tool program's answer value into the answer
// format of question, exactly as the reference implementation's get_ans
// does. v is a value as the sandbox returns it: nil, bool, int64, *big.Int,
// float64, string, []any (lists and tuples) or map[string]any.
//
// In order:
//  1. If the question has an "Options:" block and v is neither a key nor a
//     value of the option map (below), the first option line "(X) text"
//     that contains v — rendered by Str — as a substring, compared as it
//     is, gives "(X)".
//  2. For a meeting-scheduling question ("What time slot works best"),
//     None becomes "No time slot works." and a two-element list or tuple
//     (a, b) becomes "a - b".
//  3. The option map: the integers 1 to 10 become "(A)" to "(J)" — one-
//     based, as GPT-4's own tools rely on (options.index(x) + 1) — and the
//     bare letters "A" to "J" become "(A)" to "(J)".
//  4. Anything else is rendered by Str.
//
// Where latm departs from the reference, and why: the option map applies
// only to a question with an "Options:" block (the reference ran six tasks;
// latm runs any, and "How many …?" → 3 must stay 3); a float equal to an
// integer maps as that integer does (Python's 2.0 == 2), but a bool does
// not (in Starlark, unlike Python, True is not 1); an empty answer matches
// no option line.
func Format(question string, v any) string {
	hasOptions := strings.Contains(question, "Options:")
	if hasOptions {
		if _, ok := optionMap(v); !ok && !isOptionLetter(v) {
			if s := Str(v); s != "" {
				for _, o := range parseOptions(question) {
					if strings.Contains(o.Line, s) {
						v = "(" + o.Letter + ")"
						break
					}
				}
			}
		}
	}
	if isMeeting(question) {
		switch x := v.(type) {
		case nil:
			return "No time slot works."
		case []any:
			if len(x) == 2 {
				return Str(x[0]) + " - " + Str(x[1])
			}
		}
	}
	if hasOptions {
		if l, ok := optionMap(v); ok {
			return l
		}
	}
	return Str(v)
}

// isMeeting tells the BBH schedule_meeting questions apart.
func isMeeting(question string) bool {
	return strings.Contains(question, "What time slot works best")
}

// optionLetters are the letters of the reference's option map.
const optionLetters = "ABCDEFGHIJ"

// optionMap looks v up among the keys of the reference's option map: the
// integers 1..10 and the letters "A".."J"; it returns the "(X)" they map to.
func optionMap(v any) (string, bool) {
	n := 0
	switch x := v.(type) {
	case int64:
		if x >= 1 && x <= 10 {
			n = int(x)
		}
	case int:
		if x >= 1 && x <= 10 {
			n = x
		}
	case *big.Int:
		if x.IsInt64() && x.Int64() >= 1 && x.Int64() <= 10 {
			n = int(x.Int64())
		}
	case float64:
		if x >= 1 && x <= 10 && x == math.Trunc(x) {
			n = int(x)
		}
	case string:
		if len(x) == 1 && strings.Contains(optionLetters, x) {
			return "(" + x + ")", true
		}
	}
	if n == 0 {
		return "", false
	}
	return "(" + optionLetters[n-1:n] + ")", true
}

// isOptionLetter tells whether v is one of the option map's values, "(A)"
// to "(J)".
func isOptionLetter(v any) bool {
	s, ok := v.(string)
	return ok && len(s) == 3 && s[0] == '(' && s[2] == ')' && strings.IndexByte(optionLetters, s[1]) >= 0
}

// option is one "(X) text" line of a multiple-choice question.
type option struct {
	Letter string // "A"
	Line   string // the whole line, "(A) text", as the reference matches it
}

var optionLine = regexp.MustCompile(`^\s*\(([A-Za-z])\)`)

// parseOptions returns the "(X) …" lines after the first "Options:" of
// question, in order, up to the first other non-blank line; none if the
// question has no such block.
func parseOptions(question string) []option {
	_, block, ok := strings.Cut(question, "Options:")
	if !ok {
		return nil
	}
	var opts []option
	for _, line := range strings.Split(block, "\n") {
		m := optionLine.FindStringSubmatch(line)
		if m == nil {
			if strings.TrimSpace(line) == "" || len(opts) == 0 {
				continue
			}
			break
		}
		opts = append(opts, option{Letter: strings.ToUpper(m[1]), Line: strings.TrimRight(line, "\r")})
	}
	return opts
}

// Str renders a JSON-like value the way Python's str() renders the
// corresponding Python value: strings as they are, None, True and False,
// integers in decimal, floats as Python's repr (2.0, 0.1, 1e+16), and
// lists and dicts as Python's repr (['a', 1], {'k': 'v'}; dict keys sorted,
// since JSON-like maps keep no order).
func Str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return repr(v)
}

func repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return pyQuote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case *big.Int:
		return x.String()
	case float64:
		return pyFloat(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = repr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + repr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(x)
	}
}

// pyFloat renders f as Python's repr(float) does: the shortest digits that
// read back to f, with ".0" on integral values and exponent notation below
// 1e-4 and from 1e16 on.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e16 || abs < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+16, 1.5e-05
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyQuote renders s as Python's repr(str) does: single quotes unless the
// string contains a single quote and no double quote.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

package user

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/latm/latm/starlarkrt"
)

// ErrNoAnswer is returned (wrapped) by FinalAnswer when the call code
// assigned no variable whose name starts with "ans".
var ErrNoAnswer = errors.New("the call code assigned no variable named ans (end the snippet with a line like `ans = f(...)`)")

// AnswerVar returns the name of the variable that holds a program's answer:
// the last global, in assignment order, whose name starts with "ans" (as
// the reference implementation reads answers), or "" if there is none.
func AnswerVar(res *starlarkrt.ExecResult) string {
	if res == nil {
		return ""
	}
	for i := len(res.Order) - 1; i >= 0; i-- {
		name := res.Order[i]
		if !strings.HasPrefix(name, "ans") {
			continue
		}
		if _, ok := res.Globals[name]; ok {
			return name
		}
	}
	return ""
}

// FinalAnswer picks the answer variable of res and post-processes it into
// the answer format of question (option letters for multiple choice, …).
func FinalAnswer(question string, res *starlarkrt.ExecResult) (string, error) {
	name := AnswerVar(res)
	if name == "" {
		return "", ErrNoAnswer
	}
	return Format(question, res.Globals[name]), nil
}

// RawResult returns the JSON encoding of the answer variable of res, or ""
// when there is none (or it cannot be encoded).
func RawResult(res *starlarkrt.ExecResult) string {
	name := AnswerVar(res)
	if name == "" {
		return ""
	}
	b, err := json.Marshal(res.Globals[name])
	if err != nil {
		return ""
	}
	return string(b)
}

// Format post-processes a program's answer value into the answer format of
// question.
//
// The value is first rendered the way Python's str() would (Str). Then:
//   - For a meeting-scheduling question ("What time slot works best"), None
//     becomes "No time slot works." and a two-element list (a, b) becomes
//     "a - b".
//   - For a question with an "Options:" block of "(X) text" lines, an
//     answer that is not already an option letter is mapped to one: "B" or
//     "(B)" stand for themselves; otherwise the option whose text equals
//     the answer (ignoring case, surrounding space and a final period) wins;
//     otherwise the options that contain the answer as a substring are
//     considered, and if several do, those containing it as a whole word;
//     the first remaining option gives the letter (the reference takes the
//     first containing line). An integer that no option matches is read as
//     a 0-based index into the options (Python's options.index(x)).
//   - Anything else is returned as rendered.
func Format(question string, v any) string {
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
	s := Str(v)
	opts := parseOptions(question)
	if len(opts) == 0 {
		return s
	}
	return optionLetter(opts, s, v)
}

// isMeeting tells the BBH schedule_meeting questions apart.
func isMeeting(question string) bool {
	return strings.Contains(question, "What time slot works best")
}

// option is one "(X) text" line of a multiple-choice question.
type option struct {
	Letter string // "A"
	Text   string // the text after "(A) "
}

var optionLine = regexp.MustCompile(`^\s*\(([A-Za-z])\)\s?(.*)$`)

// parseOptions returns the options listed after the last "Options:" line
// of question, in order; none if the question has no such block.
func parseOptions(question string) []option {
	i := strings.LastIndex(question, "Options:")
	if i < 0 {
		return nil
	}
	var opts []option
	for _, line := range strings.Split(question[i+len("Options:"):], "\n") {
		m := optionLine.FindStringSubmatch(line)
		if m == nil {
			if strings.TrimSpace(line) == "" || len(opts) == 0 {
				continue
			}
			break
		}
		opts = append(opts, option{Letter: strings.ToUpper(m[1]), Text: strings.TrimRight(m[2], " \t\r")})
	}
	return opts
}

var letterAnswer = regexp.MustCompile(`^\(?([A-Za-z])\)?$`)

func optionLetter(opts []option, s string, v any) string {
	t := strings.TrimSpace(s)
	if m := letterAnswer.FindStringSubmatch(t); m != nil {
		// Only a letter the question offers, and only if no option text is
		// that very letter (e.g. an option "(B) A").
		l := strings.ToUpper(m[1])
		exact := false
		for _, o := range opts {
			if normalise(o.Text) == normalise(t) {
				exact = true
			}
		}
		if !exact {
			for _, o := range opts {
				if o.Letter == l && (len(t) == 1 || strings.HasPrefix(t, "(")) {
					return "(" + l + ")"
				}
			}
		}
	}
	if t != "" {
		for _, o := range opts {
			if normalise(o.Text) == normalise(t) {
				return "(" + o.Letter + ")"
			}
		}
		var subs []option
		for _, o := range opts {
			if strings.Contains(strings.ToLower(o.Text), strings.ToLower(t)) {
				subs = append(subs, o)
			}
		}
		if len(subs) > 1 {
			word := regexp.MustCompile(`(?i)(^|\W)` + regexp.QuoteMeta(t) + `($|\W)`)
			var whole []option
			for _, o := range subs {
				if word.MatchString(o.Text) {
					whole = append(whole, o)
				}
			}
			if len(whole) > 0 {
				subs = whole
			}
		}
		if len(subs) > 0 {
			return "(" + subs[0].Letter + ")"
		}
	}
	if i, ok := asIndex(v); ok && i >= 0 && i < len(opts) {
		return "(" + opts[i].Letter + ")"
	}
	return s
}

func normalise(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

func asIndex(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		return int(x), true
	case int:
		return x, true
	}
	return 0, false
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

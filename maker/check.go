package maker

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/latm/latm/answer"
)

// A verification test is accepted only if it is honest about the tool:
//
//  1. it has an assert statement (the check the model was asked to write);
//  2. it calls at least one function the tool defines, and defines none of
//     them again;
//  3. it never assigns a variable whose name starts with "ans" directly
//     from a literal equal to the expected answer;
//  4. run without its assert lines, the answer it computes (read and
//     post-processed as the tool user's answers are) equals the expected
//     answer;
//  5. run again with every tool function returning a meaningless string,
//     it no longer gives the expected answer: the answer comes from the
//     tool, not from text built some other way ("1" + "5").
//
// Rules 1–3 are static and look at the code with strings and comments
// blanked out; rules 4 and 5 are checked by running the code in the
// sandbox. The
// same rules, minus the assert, apply to the call code written for the
// training examples.

// blankStrings returns src with the contents of string literals and
// comments replaced by spaces, so that names inside them are not mistaken
// for code. Line structure is kept.
func blankStrings(src string) string {
	b := []byte(src)
	out := make([]byte, len(b))
	copy(out, b)
	i := 0
	for i < len(b) {
		c := b[i]
		switch {
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				out[i] = ' '
				i++
			}
		case c == '"' || c == '\'':
			q := string(c)
			if i+2 < len(b) && b[i+1] == c && b[i+2] == c {
				q = strings.Repeat(q, 3)
			}
			i += len(q)
			for i < len(b) {
				if b[i] == '\\' && i+1 < len(b) {
					blank(out, i, 2)
					i += 2
					continue
				}
				if strings.HasPrefix(string(b[i:]), q) {
					i += len(q)
					break
				}
				if b[i] == '\n' && len(q) == 1 {
					break // unterminated: stop at the end of the line
				}
				blank(out, i, 1)
				i++
			}
		default:
			i++
		}
	}
	return string(out)
}

func blank(out []byte, i, n int) {
	for j := i; j < i+n && j < len(out); j++ {
		if out[j] != '\n' {
			out[j] = ' '
		}
	}
}

// calledFuncs returns the names among funcs that code calls as plain
// functions (not methods), and the names it defines itself with def.
func calledFuncs(code string, funcs []string) (called, redefined []string) {
	bare := blankStrings(code)
	for _, f := range funcs {
		call := regexp.MustCompile(`(^|[^.\w])` + regexp.QuoteMeta(f) + `\s*\(`)
		def := regexp.MustCompile(`(^|\n)\s*def\s+` + regexp.QuoteMeta(f) + `\s*\(`)
		if def.MatchString(bare) {
			redefined = append(redefined, f)
			continue
		}
		for _, m := range call.FindAllStringIndex(bare, -1) {
			// "def f(" is a definition, not a call.
			before := strings.TrimRight(bare[:m[0]+1], " \t")
			if !strings.HasSuffix(before, "def") {
				called = append(called, f)
				break
			}
		}
	}
	return called, redefined
}

var assertStart = regexp.MustCompile(`^\s*assert\b`)

// splitAssert returns test without its checks and how many it removed. A
// check is an assert statement (it may continue over several lines inside
// brackets) or a top-level if-statement whose block fails (`if ans !=
// "54": fail("...")`, raise, assert). Top-level assignments of a literal
// to a name only the checks read (`expected_output = "])"`) go with them:
// they are the expected answer, not a step towards it.
func splitAssert(test string) (call string, asserts int) {
	lines := strings.Split(test, "\n")
	bare := strings.Split(blankStrings(test), "\n")
	drop := make([]bool, len(lines))
	var checks strings.Builder
	for _, s := range topLevel(lines, bare) {
		if !s.comment && checkIf.MatchString(strings.TrimSpace(bare[s.start])) && isCheck(lines, bare, s) {
			asserts++
			for i := s.start; i < s.end; i++ {
				drop[i] = true
				checks.WriteString(bare[i] + "\n")
			}
		}
	}
	depth := 0
	inAssert := false
	for i := range lines {
		if drop[i] {
			continue
		}
		if !inAssert && assertStart.MatchString(bare[i]) {
			asserts++
			inAssert = true
			depth = 0
		}
		if inAssert {
			depth += strings.Count(bare[i], "(") + strings.Count(bare[i], "[") + strings.Count(bare[i], "{")
			depth -= strings.Count(bare[i], ")") + strings.Count(bare[i], "]") + strings.Count(bare[i], "}")
			if depth <= 0 && !strings.HasSuffix(strings.TrimSpace(bare[i]), "\\") {
				inAssert = false
			}
			drop[i] = true
			checks.WriteString(bare[i] + "\n")
		}
	}
	var rest strings.Builder
	for i := range lines {
		if !drop[i] {
			rest.WriteString(bare[i] + "\n")
		}
	}
	for i, l := range lines {
		m := assignStmt.FindStringSubmatch(l)
		if drop[i] || m == nil || strings.HasPrefix(m[1], "ans") {
			continue // an answer written by hand is rule 3's to catch
		}
		if _, lit := pyLiteral(strings.SplitN(l, "=", 2)[1]); !lit {
			continue
		}
		name := regexp.MustCompile(`\b` + m[1] + `\b`)
		if name.MatchString(checks.String()) && len(name.FindAllString(rest.String(), -1)) == 1 {
			drop[i] = true
		}
	}
	var kept []string
	for i, l := range lines {
		if !drop[i] {
			kept = append(kept, l)
		}
	}
	return strings.TrimSpace(strings.Join(kept, "\n")), asserts
}

var ansLiteral = regexp.MustCompile(`^\s*(ans\w*)\s*=\s*(.+?)\s*$`)

// literalAnswer reports the first line of code that assigns a literal
// equal to want to an ans… variable, or "" if there is none.
func literalAnswer(task, code, want string) string {
	for _, l := range strings.Split(code, "\n") {
		m := ansLiteral.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if v, ok := pyLiteral(m[2]); ok && answer.Correct(task, v, want) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// pyLiteral returns the value of a single string or number literal.
func pyLiteral(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if s[0] == '"' || s[0] == '\'' {
		for _, q := range []string{`"""`, `'''`} {
			if len(s) >= 6 && strings.HasPrefix(s, q) && strings.HasSuffix(s, q) {
				return s[3 : len(s)-3], true
			}
		}
		if len(s) < 2 || s[len(s)-1] != s[0] {
			return "", false
		}
		inner := s[1 : len(s)-1]
		if s[0] == '\'' {
			inner = strings.ReplaceAll(inner, `\'`, `'`)
			inner = strings.ReplaceAll(inner, `"`, `\"`)
		}
		v, err := strconv.Unquote(`"` + inner + `"`)
		if err != nil {
			return inner, true
		}
		return v, true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s, true
	}
	if s == "True" || s == "False" || s == "None" {
		return s, true
	}
	return "", false
}

// staticCheck applies rules 1–3 to a test (needAssert) or to call code, and
// returns what is wrong with it, or "" if nothing is.
func staticCheck(task, code, want string, funcs []string, needAssert bool) (call string, problem string) {
	call, asserts := splitAssert(code)
	if needAssert && asserts == 0 {
		return call, "the test has no `assert ans == ...` line, so it checks nothing"
	}
	called, redefined := calledFuncs(call, funcs)
	if len(redefined) > 0 {
		return call, fmt.Sprintf("the code defines %s again; call the tool's function instead", strings.Join(redefined, ", "))
	}
	if len(called) == 0 {
		return call, fmt.Sprintf("the code calls none of the tool's functions (%s); the answer must come from the tool", strings.Join(funcs, ", "))
	}
	if l := literalAnswer(task, call, want); l != "" {
		return call, fmt.Sprintf("the code writes the expected answer by hand (%s); compute ans from the tool's return value", l)
	}
	return call, ""
}

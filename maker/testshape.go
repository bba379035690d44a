package maker

import (
	"regexp"
	"strings"
)

// The shapes real models write tests and tools in. Asked for one test per
// question in its own block, GPT-4 writes one block holding all of them —
// at the top level under "# Test 1" comments, or inside
// `def test_sort_words_alphabetically():` with numbered variables (ret1,
// ans1) and a call of the function after it — checks with asserts against
// an expected_output variable or with `if ans != "54": fail(...)`, and ends
// with print("All tests passed!"). Its proposals end with example usage
// and prints at the top level. The reference ran such blocks whole; latm
// splits them into one test per question, in order, and every test still
// passes the honesty checks of check.go (its answer must depend on the
// tool). Whatever cannot be split unambiguously is sent back to the model.

// stmt is one top-level statement of a program: its lines [start, end).
type stmt struct {
	start, end int
	comment    bool // a comment line alone at the top level
}

// topLevel splits code into top-level statements: a statement starts at an
// unindented line outside brackets and strings and runs over its indented
// block and continuation lines. Blank lines end nothing and belong to no
// statement.
func topLevel(lines, bare []string) []stmt {
	var out []stmt
	depth := 0
	cont := false
	for i := range lines {
		l := bare[i]
		trimmed := strings.TrimSpace(l)
		orig := strings.TrimSpace(lines[i])
		startsNew := depth == 0 && !cont && orig != "" && !strings.HasPrefix(lines[i], " ") && !strings.HasPrefix(lines[i], "\t")
		switch {
		case startsNew && strings.HasPrefix(orig, "#"):
			out = append(out, stmt{start: i, end: i + 1, comment: true})
		case startsNew:
			out = append(out, stmt{start: i, end: i + 1})
		case len(out) > 0 && orig != "" && !out[len(out)-1].comment:
			out[len(out)-1].end = i + 1
		}
		depth += strings.Count(l, "(") + strings.Count(l, "[") + strings.Count(l, "{")
		depth -= strings.Count(l, ")") + strings.Count(l, "]") + strings.Count(l, "}")
		depth = max(depth, 0)
		cont = strings.HasSuffix(trimmed, "\\")
	}
	return out
}

var (
	testDef     = regexp.MustCompile(`^def\s+(test\w*)\s*\(\s*\)\s*:`)
	testCallRe  = regexp.MustCompile(`^(test\w*)\s*\(\s*\)\s*$`)
	mainGuard   = regexp.MustCompile(`^if\s+__name__\s*==`)
	testMarker  = regexp.MustCompile(`(?i)^#+\s*(test|example|question|case|unit test)\s*(case\s*)?#?\s*\d+\b`)
	printStmt   = regexp.MustCompile(`^print\s*\(`)
	checkIf     = regexp.MustCompile(`^if\b`)
	failCall    = regexp.MustCompile(`(^|[^\w.])(fail\s*\(|raise\b|assert\b)`)
	declStmt    = regexp.MustCompile(`^(def|class|import|from)\b|^@`)
	defParams   = regexp.MustCompile(`(?m)^\s*def\s+\w+\s*\(([^)]*)\)`)
	localAssign = regexp.MustCompile(`(?m)^[ \t]+([A-Za-z_]\w*)\s*=[^=]`)
	assignStmt  = regexp.MustCompile(`^([A-Za-z_]\w*)\s*(:[^=]*)?=[^=]`)
)

// inlineTestFuncs replaces each argument-less top-level `def test…():` by
// its body, dedented, and drops the calls of those functions and any
// `if __name__ == "__main__":` block.
func inlineTestFuncs(code string) string {
	lines := strings.Split(code, "\n")
	bare := strings.Split(blankStrings(code), "\n")
	stmts := topLevel(lines, bare)
	funcs := map[string]bool{}
	for _, s := range stmts {
		if m := testDef.FindStringSubmatch(strings.TrimSpace(bare[s.start])); m != nil {
			funcs[m[1]] = true
		}
	}
	var out []string
	prev := 0
	for _, s := range stmts {
		out = append(out, lines[prev:s.start]...)
		prev = s.end
		head := strings.TrimSpace(bare[s.start])
		switch {
		case testDef.MatchString(head):
			out = append(out, dedent(lines[s.start+1:s.end])...)
		case mainGuard.MatchString(head):
		case testCallRe.MatchString(head) && funcs[testCallRe.FindStringSubmatch(head)[1]]:
		default:
			out = append(out, lines[s.start:s.end]...)
		}
	}
	out = append(out, lines[prev:]...)
	return strings.Join(out, "\n")
}

// dedent removes the indentation of the first non-blank line from lines.
func dedent(lines []string) []string {
	indent := ""
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			indent = l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			break
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, indent)
	}
	return out
}

// isCheck reports whether a top-level statement checks an answer: an
// assert, or an if-statement whose block fails (fail(), raise, assert).
func isCheck(lines, bare []string, s stmt) bool {
	head := strings.TrimSpace(bare[s.start])
	if assertStart.MatchString(head) {
		return true
	}
	return checkIf.MatchString(head) && failCall.MatchString(strings.Join(bare[s.start+1:s.end], "\n")+" "+afterColon(head))
}

// afterColon is the part of a one-line if after its colon ("if x: fail()").
func afterColon(head string) string {
	if i := strings.Index(head, ":"); i >= 0 {
		return strings.TrimSpace(head[i+1:])
	}
	return ""
}

// splitTests turns the test blocks of a reply into n tests, one per
// question in order, or returns why it cannot. n blocks are n tests; one
// block holding several is split at its "# Test k" markers when there are
// n of them, else after each of its n checks. Test functions are inlined
// first and prints after the last check dropped.
func splitTests(blocks []string, n int) ([]string, bool) {
	if len(blocks) == n {
		out := make([]string, n)
		for i, b := range blocks {
			out[i] = inlineTestFuncs(b)
		}
		return out, true
	}
	if len(blocks) != 1 {
		return nil, false
	}
	code := inlineTestFuncs(blocks[0])
	lines := strings.Split(code, "\n")
	bare := strings.Split(blankStrings(code), "\n")
	stmts := topLevel(lines, bare)
	var markers, checks []int // indexes into stmts
	for i, s := range stmts {
		switch {
		case s.comment && testMarker.MatchString(strings.TrimSpace(lines[s.start])):
			markers = append(markers, i)
		case !s.comment && isCheck(lines, bare, s):
			checks = append(checks, i)
		}
	}
	text := func(from, to int) string { // statements [from, to)
		if from >= to {
			return ""
		}
		return strings.Join(lines[stmts[from].start:stmts[to-1].end], "\n")
	}
	var out []string
	switch {
	case len(markers) == n:
		// What precedes the first marker (imports, shared setup) goes with
		// every test.
		shared := text(0, markers[0])
		for k, m := range markers {
			end := len(stmts)
			if k+1 < n {
				end = markers[k+1]
			}
			out = append(out, strings.TrimSpace(shared+"\n"+text(m, trimTrailingPrints(lines, bare, stmts, m, end))))
		}
	case len(checks) == n:
		from := 0
		for _, c := range checks {
			out = append(out, strings.TrimSpace(text(from, c+1)))
			from = c + 1
		}
	default:
		return nil, false
	}
	for _, t := range out {
		if _, asserts := splitAssert(t); asserts == 0 {
			return nil, false // a marker without a check: not one test per question
		}
	}
	return out, true
}

// trimTrailingPrints returns the end of statements [from, to) without the
// prints and comments that follow the last check.
func trimTrailingPrints(lines, bare []string, stmts []stmt, from, to int) int {
	for to > from {
		s := stmts[to-1]
		if s.comment || printStmt.MatchString(strings.TrimSpace(bare[s.start])) {
			to--
			continue
		}
		break
	}
	return to
}

// stripUsage returns src without its top-level example usage: every
// top-level statement that is not a def, class, decorator, import or an
// assignment of a name the rest of the kept code uses. A proposal's
// "# Example usage:" lines and prints go; constants the functions read
// stay.
func stripUsage(src string) string {
	lines := strings.Split(src, "\n")
	bare := strings.Split(blankStrings(src), "\n")
	stmts := topLevel(lines, bare)
	keep := make([]bool, len(stmts))
	var kept strings.Builder
	for i, s := range stmts {
		head := strings.TrimSpace(bare[s.start])
		if s.comment || declStmt.MatchString(head) {
			keep[i] = true
			kept.WriteString(strings.Join(bare[s.start:s.end], "\n") + "\n")
		}
	}
	// Assignments whose name kept code reads as a global (not a parameter
	// or a local of its functions), until nothing changes.
	locals := map[string]bool{}
	for _, m := range defParams.FindAllStringSubmatch(kept.String(), -1) {
		for _, p := range strings.Split(m[1], ",") {
			p = strings.TrimLeft(strings.TrimSpace(p), "*")
			if name, _, _ := strings.Cut(p, "="); name != "" {
				name, _, _ = strings.Cut(name, ":")
				locals[strings.TrimSpace(name)] = true
			}
		}
	}
	for _, m := range localAssign.FindAllStringSubmatch(kept.String(), -1) {
		locals[m[1]] = true
	}
	for changed := true; changed; {
		changed = false
		for i, s := range stmts {
			if keep[i] {
				continue
			}
			m := assignStmt.FindStringSubmatch(strings.TrimSpace(bare[s.start]))
			if m == nil || locals[m[1]] || !regexp.MustCompile(`\b`+m[1]+`\b`).MatchString(kept.String()) {
				continue
			}
			keep[i], changed = true, true
			kept.WriteString(strings.Join(bare[s.start:s.end], "\n") + "\n")
		}
	}
	// A comment stays only if the statement it heads does.
	for i := len(stmts) - 1; i >= 0; i-- {
		if stmts[i].comment {
			keep[i] = i+1 < len(stmts) && keep[i+1]
		}
	}
	var out []string
	prev := 0
	for i, s := range stmts {
		out = append(out, lines[prev:s.start]...)
		if keep[i] {
			out = append(out, lines[s.start:s.end]...)
		}
		prev = s.end
	}
	out = append(out, lines[prev:]...)
	return strings.TrimRight(strings.Join(out, "\n"), "\n \t") + "\n"
}

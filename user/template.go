package user

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// The template path answers an instance with no model call when the tool's
// usage examples show that its call code is a template of the question:
// each stretch of question text that differs between two instances appears
// once in the call code, inside a string or as a number, and putting the
// new instance's text there gives a call that works. The typical case is a
// call that quotes the question's word list, numbers or whole text.
//
// A tool earns the path only if it reproduces its own examples: for every
// ordered pair of usage examples (a, b), a's code with b's question put in
// gives b's answer. Even then an instance goes to the model whenever the
// substitution does not apply cleanly or the instantiated code fails.

// qtoken is a word or a run of spaces of a question, with its byte offsets.
type qtoken struct {
	text       string
	start, end int
}

var qtokenRe = regexp.MustCompile(`\s+|[^\s]+`)

func qtokens(s string) []qtoken {
	var out []qtoken
	for _, loc := range qtokenRe.FindAllStringIndex(s, -1) {
		out = append(out, qtoken{s[loc[0]:loc[1]], loc[0], loc[1]})
	}
	return out
}

// substitution is one stretch of question text, where it starts in its
// question, and what replaces it.
type substitution struct {
	from, to string
	at       int
}

// maxQuestionTokens bounds the diff's work (it is quadratic).
const maxQuestionTokens = 4000

// diffQuestions returns the stretches where a and b differ, aligned by a
// longest common subsequence of their tokens, or false if they differ
// everywhere (no shared template) or are too long to compare. With merge,
// stretches separated only by spaces are one (a word list of another
// length is then one stretch).
func diffQuestions(a, b string, merge bool) ([]substitution, bool) {
	ta, tb := qtokens(a), qtokens(b)
	if len(ta) == 0 || len(tb) == 0 || len(ta) > maxQuestionTokens || len(tb) > maxQuestionTokens {
		return nil, false
	}
	n, m := len(ta), len(tb)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ta[i].text == tb[j].text {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	// Shared text must dominate, or the two are not one template.
	if int(lcs[0][0])*2 < min(n, m) {
		return nil, false
	}
	var subs []substitution
	i, j := 0, 0
	for i < n || j < m {
		if i < n && j < m && ta[i].text == tb[j].text {
			i, j = i+1, j+1
			continue
		}
		si, sj := i, j
		for i < n || j < m {
			if i < n && j < m && ta[i].text == tb[j].text {
				// With merge, a shared run of spaces followed by more
				// differences belongs to this stretch.
				k := 0
				for merge && i+k < n && j+k < m && ta[i+k].text == tb[j+k].text && strings.TrimSpace(ta[i+k].text) == "" {
					k++
				}
				if k == 0 || i+k == n && j+k == m || i+k < n && j+k < m && ta[i+k].text == tb[j+k].text {
					break
				}
				i, j = i+k, j+k
				continue
			}
			if j >= m || i < n && lcs[i+1][j] >= lcs[i][j+1] {
				i++
			} else {
				j++
			}
		}
		from, to := span(a, ta, si, i), span(b, tb, sj, j)
		if from == "" || strings.TrimSpace(from) == "" {
			return nil, false // an insertion: nowhere to put it
		}
		subs = append(subs, substitution{from: from, to: to, at: ta[si].start})
	}
	return subs, true
}

func span(s string, toks []qtoken, from, to int) string {
	if from >= to {
		return ""
	}
	return s[toks[from].start:toks[to-1].end]
}

var numberRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// instantiate puts each substitution into code: its text must occur exactly
// once, inside a string literal (and the new text must need no escaping)
// or as a whole number literal replaced by a number.
func instantiate(code string, subs []substitution) (string, bool) {
	strs := stringSpans(code)
	type edit struct {
		at   int
		from string
		to   string
	}
	var edits []edit
	for _, sub := range subs {
		at := strings.Index(code, sub.from)
		if at < 0 || strings.Contains(code[at+1:], sub.from) {
			return "", false
		}
		inString := false
		for _, sp := range strs {
			if at >= sp[0] && at+len(sub.from) <= sp[1] {
				inString = true
				break
			}
		}
		switch {
		case inString:
			if strings.ContainsAny(sub.to, "\"'\\\n\r") {
				return "", false
			}
		case numberRe.MatchString(sub.from) && numberRe.MatchString(sub.to):
			if at > 0 && isWordByte(code[at-1]) || at+len(sub.from) < len(code) && isWordByte(code[at+len(sub.from)]) {
				return "", false
			}
		default:
			return "", false
		}
		edits = append(edits, edit{at, sub.from, sub.to})
	}
	// Apply from the end so that offsets stay valid; overlapping stretches
	// cannot both be replaced.
	for i := range edits {
		for j := range edits {
			if i != j && edits[i].at < edits[j].at+len(edits[j].from) && edits[j].at < edits[i].at+len(edits[i].from) {
				return "", false
			}
		}
	}
	out := code
	for len(edits) > 0 {
		k := 0
		for i := range edits {
			if edits[i].at > edits[k].at {
				k = i
			}
		}
		e := edits[k]
		out = out[:e.at] + e.to + out[e.at+len(e.from):]
		edits = append(edits[:k], edits[k+1:]...)
	}
	return out, true
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stringSpans returns the byte ranges of the contents of the string
// literals of code ('…', "…", and their triple-quoted forms).
func stringSpans(code string) [][2]int {
	var out [][2]int
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '#':
			for i < len(code) && code[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			q := string(c)
			if strings.HasPrefix(code[i:], strings.Repeat(q, 3)) {
				q = strings.Repeat(q, 3)
			}
			start := i + len(q)
			j := start
			for j < len(code) && !strings.HasPrefix(code[j:], q) {
				if code[j] == '\\' {
					j++
				} else if code[j] == '\n' && len(q) == 1 {
					break
				}
				j++
			}
			out = append(out, [2]int{start, min(j, len(code))})
			i = j + len(q) - 1
		}
	}
	return out
}

// fit instantiates ex's code for question: stretch by stretch if it can,
// else with stretches separated by spaces taken as one.
func fit(ex tool.UsageExample, question string) ([]substitution, string, bool) {
	for _, merge := range []bool{false, true} {
		subs, ok := diffQuestions(ex.Question, question, merge)
		if !ok {
			continue
		}
		if code, ok := instantiate(ex.Code, subs); ok {
			return subs, code, true
		}
	}
	return nil, "", false
}

// templateFit is one usage example's code instantiated for a question.
type templateFit struct {
	example int // index into the tool's usage examples
	subs    []substitution
	code    string
}

// templateFits returns the instantiations of every usage example's code
// that fit question, closest first (fewest stretches; ties keep the
// examples' order).
func templateFits(examples []tool.UsageExample, question string) []templateFit {
	var out []templateFit
	for i, ex := range examples {
		// Both readings of the difference are candidates: stretch by
		// stretch, and with stretches separated by spaces taken as one.
		for _, merge := range []bool{false, true} {
			subs, ok := diffQuestions(ex.Question, question, merge)
			if !ok {
				continue
			}
			if code, ok := instantiate(ex.Code, subs); ok {
				out = append(out, templateFit{example: i, subs: subs, code: code})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].subs) < len(out[j].subs) })
	return out
}

// templateModel is what a tool that earned the template path was seen to
// handle right: per usage example, the shapes of the text in each of its
// stretches (keyed by the stretch's offset in the example's question), and
// the shapes of its results.
type templateModel struct {
	slots  []map[int]*shapeSet
	result resultGuard
}

// templated reports whether tool earns the template path (see the top of
// this file), and if so the shapes its guards admit; the verdict is kept
// per tool version. A nil model means no.
func (s *Solver) templated(ctx context.Context, tool *tool.Tool, src starlarkrt.Source) *templateModel {
	key := tool.Ref() + "\x00" + tool.Source
	if v, ok := s.verdicts.Load(key); ok {
		return v.(*templateModel)
	}
	tm := &templateModel{slots: make([]map[int]*shapeSet, len(tool.Examples))}
	ok := len(tool.Examples) >= 2
	for i, a := range tool.Examples {
		tm.slots[i] = map[int]*shapeSet{}
		for j, b := range tool.Examples {
			if !ok {
				break
			}
			if i == j {
				continue
			}
			subs, code, fitOK := fit(a, b.Question)
			if !fitOK {
				ok = false
				break
			}
			res, err := s.Runtime.Exec(ctx, src, starlarkrt.Source{Name: "template.star", Code: code})
			if err != nil {
				ok = false
				break
			}
			got, err := FinalAnswer(b.Question, res)
			ok = err == nil && answer.Correct("", got, b.Answer)
			if !ok {
				break
			}
			// Only shapes the tool answered right on are learned.
			for _, sub := range subs {
				ss := tm.slots[i][sub.at]
				if ss == nil {
					ss = &shapeSet{}
					tm.slots[i][sub.at] = ss
				}
				ss.add(shapeOf(sub.from))
				ss.add(shapeOf(sub.to))
			}
			tm.result.add(got, RawResult(res))
		}
	}
	if !ok {
		tm = nil
	}
	if ctx.Err() == nil {
		s.verdicts.Store(key, tm)
	}
	return tm
}

// stretchMismatch returns why a fit's stretches do not have the shapes
// their counterparts had in the examples, or "".
func (tm *templateModel) stretchMismatch(f templateFit) string {
	for k, sub := range f.subs {
		// The stretch's own text in the example, and what the tool was seen
		// to answer right in its place.
		ss := &shapeSet{}
		if learned := tm.slots[f.example][sub.at]; learned != nil {
			*ss = learned.clone()
		}
		ss.add(shapeOf(sub.from))
		if why := ss.mismatch(shapeOf(sub.to)); why != "" {
			return fmt.Sprintf("usage example %d, stretch %d: %.40q in place of %.40q has %s", f.example+1, k+1, sub.to, sub.from, why)
		}
	}
	return ""
}

// templateAnswer tries to answer question with no model call: the closest
// fit whose stretches pass the shape guards is run, and its result must
// pass the result guard. On success run holds the code, result and answer.
// note says what was decided and why, for the record; err is a failure of
// the machinery.
func (s *Solver) templateAnswer(ctx context.Context, tm *templateModel, examples []tool.UsageExample, toolSrc starlarkrt.Source, question string, run *tool.Run) (note string, ok bool, err error) {
	fits := templateFits(examples, question)
	if len(fits) == 0 {
		return "template: no usage example's code fits the question", false, nil
	}
	var refusal string
	for _, f := range fits {
		why := tm.stretchMismatch(f)
		if why == "" {
			failure := attemptOnce(ctx, s.Runtime, toolSrc, question, "```starlark\n"+f.code+"\n```", run)
			var mach *machineryError
			if errors.As(failure, &mach) {
				return "", false, mach.err
			}
			if failure != nil {
				return fmt.Sprintf("template refused: the call from usage example %d failed: %v", f.example+1, failure), false, nil
			}
			if why := tm.result.check(run.Answer, run.RawResult); why != "" {
				return "template refused: " + why, false, nil
			}
			return fmt.Sprintf("template of usage example %d: %d stretch(es) and the result have the shapes the examples had", f.example+1, len(f.subs)), true, nil
		}
		if refusal == "" {
			refusal = why
		}
	}
	return "template refused: " + refusal, false, nil
}

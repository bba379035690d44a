package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// paperTool is a paper chat's wrapper as a library tool: GPT-4's function
// and its three use cases, with the verification answers.
func paperTool(t *testing.T, c fixtures.PaperChat) *tool.Tool {
	t.Helper()
	w, err := c.Wrapper()
	if err != nil {
		t.Fatal(err)
	}
	tl := &tool.Tool{Name: c.Task, Version: 1, Source: w.Tool}
	for _, u := range w.Uses {
		tl.Examples = append(tl.Examples, tool.UsageExample{Question: u.Question, Code: u.Code, Answer: u.Answer})
	}
	return tl
}

// paperRuntime runs the paper's tools under a step limit below the
// default: GPT-4's CRT tool counts up to its bound one number at a time
// and would otherwise spend seconds on every test question. A run that
// hits the limit fails, which sends the question to the model: it can
// lower the share answered with no model, never make an answer wrong.
func paperRuntime() *starlarkrt.Runtime {
	return starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Limits: starlarkrt.Limits{MaxSteps: 5_000_000}})
}

// TestTemplateGuardsOnPaperTools answers the 240 test questions of each
// paper task with GPT-4's own tool and use cases through the template path
// alone: every answer it gives with no model call must be right. Before
// the shape guards, the Dyck tool answered all 240 with its error string
// "Invalid character" (its use cases quote the brackets unspaced, the test
// questions space them).
func TestTemplateGuardsOnPaperTools(t *testing.T) {
	t.Parallel()
	chats, err := fixtures.PaperChats()
	if err != nil {
		t.Fatal(err)
	}
	rt := paperRuntime()
	defer rt.Close()
	s := &Solver{Runtime: rt, Template: true}
	for _, c := range chats {
		t.Run(c.Task, func(t *testing.T) {
			tl := paperTool(t, c)
			src := starlarkrt.Source{Name: c.Task + ".py", Code: tl.Source}
			split, err := bbh.LoadSplit(c.Task)
			if err != nil {
				t.Fatal(err)
			}
			tm := s.templated(context.Background(), tl, src)
			taken, right := 0, 0
			refusals := map[string]int{}
			for i, ex := range split.Test {
				if tm == nil {
					break
				}
				run := &tool.Run{}
				note, ok, err := s.templateAnswer(context.Background(), tm, tl.Examples, src, ex.Question, run)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					refusals[strings.SplitN(note, ":", 2)[0]]++
					continue
				}
				taken++
				if answer.Correct(c.Task, run.Answer, ex.Answer) {
					right++
				} else if taken-right <= 3 {
					t.Errorf("test %d: answered %q with no model, want %q (%s)", i, run.Answer, ex.Answer, note)
				}
			}
			t.Logf("%s: template path earned %v; %d of %d answered with no model, %d right; refused: %v",
				c.Task, tm != nil, taken, len(split.Test), right, refusals)
			if taken > 0 && right*100 < taken*99 {
				t.Errorf("%d of %d no-model answers right, want at least 99%%", right, taken)
			}
		})
	}
}

// With the Dyck tool, a spaced question is not answered by the template:
// the guard refuses it, says why in the run, and the model answers.
func TestDyckSpacedQuestionGoesToTheModel(t *testing.T) {
	t.Parallel()
	chats, err := fixtures.PaperChats()
	if err != nil {
		t.Fatal(err)
	}
	var tl *tool.Tool
	for _, c := range chats {
		if c.Task == "dyck_languages" {
			tl = paperTool(t, c)
		}
	}
	s, srv := newSolver(t, 0)
	s.Template = true
	q := "Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: [ < > ] [ [ < > ]"
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: fenced("input_str = \"[<>][[<>]\"\nret = complete_sequence(input_str)\nans = ret")})
	run, err := s.Solve(context.Background(), tl, Instance{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d model calls, want 1", n)
	}
	if !run.OK || run.Answer != "]" || !strings.Contains(run.Code, "# template refused: ") || !strings.Contains(run.Code, "several tokens where the examples had one token") {
		t.Fatalf("run %+v", run)
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seen []string
		text string
		ok   bool
	}{
		{[]string{"([[[{}]]"}, "({{}}", true},
		{[]string{"([[[{}]]"}, "( [ [ { } ] ]", false},
		{[]string{"oven costume bread"}, "kiwi banana cherry date", true},
		{[]string{"oven costume bread"}, "kiwi", false},
		{[]string{"oven costume bread"}, "kiwi Banana", false},
		{[]string{"17"}, "4", true},
		{[]string{"17"}, "four", false},
		{[]string{"17"}, "0.5", false},
		{[]string{"12:00 - 12:30"}, "09:00 - 17:30", true},
		{[]string{"12:00 - 12:30"}, "9am - 5pm", false},
		{[]string{"one line"}, "two\nlines", false},
	} {
		var ss shapeSet
		for _, s := range tc.seen {
			ss.add(shapeOf(s))
		}
		if why := ss.mismatch(shapeOf(tc.text)); (why == "") != tc.ok {
			t.Errorf("seen %q, %q: mismatch %q, want ok %v", tc.seen, tc.text, why, tc.ok)
		}
	}
	var g resultGuard
	g.add("])", `"])"`)
	g.add(")", `")"`)
	for _, tc := range []struct {
		answer, raw string
		ok          bool
	}{
		{"] ) >", `"] ) >"`, false},
		{">", `">"`, true},
		{"Invalid character", `"Invalid character"`, false},
		{"5", `5`, false},
		{"]", `["]"]`, false},
	} {
		if why := g.check(tc.answer, tc.raw); (why == "") != tc.ok {
			t.Errorf("result %q: %q, want ok %v", tc.answer, why, tc.ok)
		}
	}
}

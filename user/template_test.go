package user

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// applySubs replaces each substitution's stretch of s, at its offset.
func applySubs(s string, subs []substitution) (string, bool) {
	var b strings.Builder
	pos := 0
	for _, sub := range subs {
		if sub.at < pos || sub.at+len(sub.from) > len(s) || s[sub.at:sub.at+len(sub.from)] != sub.from {
			return "", false
		}
		b.WriteString(s[pos:sub.at] + sub.to)
		pos = sub.at + len(sub.from)
	}
	return b.String() + s[pos:], true
}

func TestDiffQuestions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b  string
		merge bool
		n     int // stretches
		ok    bool
	}{
		{"List: oven costume bread", "List: kiwi banana cherry", false, 3, true},
		{"List: oven costume bread", "List: kiwi banana", false, 2, true},
		{"List: oven costume bread", "List: kiwi banana cherry date", true, 1, true},
		{"List: oven costume bread. Go", "List: kiwi banana cherry date. Go", true, 1, true},
		{"among 5 penguins, 2 left", "among 7 penguins, 3 left", false, 2, true},
		{"same", "same", false, 0, true},
		{"List: a", "List: a b", false, 0, false},                       // an insertion
		{"one two three four", "five six seven eight", false, 0, false}, // no shared template
	} {
		got, ok := diffQuestions(tc.a, tc.b, tc.merge)
		if ok != tc.ok || len(got) != tc.n {
			t.Errorf("diffQuestions(%q, %q, %v) = %+v, %v; want %d stretches, %v", tc.a, tc.b, tc.merge, got, ok, tc.n, tc.ok)
			continue
		}
		// The stretches are the whole difference: applied to a they give b.
		if b, applied := applySubs(tc.a, got); ok && (!applied || b != tc.b) {
			t.Errorf("diffQuestions(%q, %q): %+v applied to a gives %q", tc.a, tc.b, got, b)
		}
	}
}

func wsExamples(lists ...string) []tool.UsageExample {
	var out []tool.UsageExample
	for _, l := range lists {
		words := strings.Fields(l)
		sorted := append([]string(nil), words...)
		for i := range sorted {
			for j := i + 1; j < len(sorted); j++ {
				if sorted[j] < sorted[i] {
					sorted[i], sorted[j] = sorted[j], sorted[i]
				}
			}
		}
		out = append(out, tool.UsageExample{
			Question: "Sort the following words alphabetically: List: " + l,
			Code:     fmt.Sprintf("words = %q.split()\nans = sort_words(words)", l),
			Answer:   strings.Join(sorted, " "),
		})
	}
	return out
}

func TestSolveByTemplateMakesNoModelCall(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	s.Template = true
	tl := sortTool()
	tl.Examples = wsExamples("oven costume bread", "zeta alpha mu", "pear apple fig")
	q := "Sort the following words alphabetically: List: kiwi banana cherry date"
	run, err := s.Solve(context.Background(), tl, Instance{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.Answer != "banana cherry date kiwi" || !strings.Contains(run.Code, `"kiwi banana cherry date".split()`) ||
		!strings.HasPrefix(run.Code, "# template of usage example") {
		t.Fatalf("run %+v", run)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d model calls, want none", n)
	}
	// A question the template cannot take (a quote in a word) goes to the model.
	q2 := `Sort the following words alphabetically: List: don't stop`
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: fenced(`ans = sort_words(["don't", "stop"])`)})
	run, err = s.Solve(context.Background(), tl, Instance{Question: q2})
	if err != nil || !run.OK || run.Answer != "don't stop" || len(srv.Requests()) != 1 {
		t.Fatalf("run %+v, %v after %d requests", run, err, len(srv.Requests()))
	}
}

// A tool whose usage examples do not reproduce each other through the
// template (here one example keeps only the first two words, so neither
// example's code gives the other's answer) never takes it.
func TestTemplateNeedsExamplesThatAgree(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	s.Template = true
	tl := sortTool()
	tl.Examples = wsExamples("oven costume bread", "zeta alpha mu")
	tl.Examples[1].Code = `ans = " ".join(sort_words("zeta alpha mu".split()).split(" ")[:2])`
	tl.Examples[1].Answer = "alpha mu"
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: fenced(`ans = sort_words(["b", "a"])`)})
	run, err := s.Solve(context.Background(), tl, Instance{Question: "Sort the following words alphabetically: List: b a"})
	if err != nil || !run.OK || len(srv.Requests()) != 1 {
		t.Fatalf("run %+v, %v after %d requests; want the model asked", run, err, len(srv.Requests()))
	}
}

// On all 250 word-sorting questions, with usage examples written as a
// model writes them, the template answers every instance it takes right.
func TestTemplateOnWordSorting(t *testing.T) {
	t.Parallel()
	var tl fixtures.Tool
	for _, ft := range fixtures.Tools() {
		if ft.Task == "word_sorting" {
			tl = ft
		}
	}
	split, err := bbh.LoadSplit("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	var examples []tool.UsageExample
	for _, ex := range split.Valid[:3] {
		list := ex.Question[strings.Index(ex.Question, "List: ")+len("List: "):]
		examples = append(examples, tool.UsageExample{Question: ex.Question,
			Code: fmt.Sprintf("words = %q.split()\nans = sort_words(words)", list), Answer: ex.Answer})
	}
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	s := &Solver{Runtime: rt, Template: true}
	src := starlarkrt.Source{Name: tl.File, Code: tl.Source}
	lt := &tool.Tool{Name: "word_sorting", Version: 1, Source: tl.Source, Examples: examples}
	tm := s.templated(context.Background(), lt, src)
	if tm == nil {
		t.Fatal("the tool's examples do not reproduce each other")
	}
	all, err := bbh.Load("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	taken := 0
	for i, ex := range all {
		run := &tool.Run{}
		note, ok, err := s.templateAnswer(context.Background(), tm, examples, src, ex.Question, run)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue // the model would be asked
		}
		taken++
		if run.Answer != ex.Answer {
			t.Errorf("example %d: the template answered %q, want %q (%s)\n%s", i, run.Answer, ex.Answer, note, run.Code)
		}
	}
	t.Logf("the template took %d of %d instances", taken, len(all))
	if taken < len(all)*9/10 {
		t.Errorf("the template took only %d of %d instances", taken, len(all))
	}
}

// FuzzTemplate: the diff and the substitution never panic, and the
// stretches found are the whole difference between the two questions.
func FuzzTemplate(f *testing.F) {
	f.Add("Sort the following words alphabetically: List: oven costume bread", "Sort the following words alphabetically: List: kiwi banana", `words = "oven costume bread".split()`)
	f.Add("among 5 penguins, 2 left", "among 7 penguins, 3 left", "ans = f(5, 2)")
	f.Add("a\nb  c", "a\nd  c", "x = 'b'")
	f.Fuzz(func(t *testing.T, a, b, code string) {
		for _, merge := range []bool{false, true} {
			subs, ok := diffQuestions(a, b, merge)
			if !ok {
				continue
			}
			if got, applied := applySubs(a, subs); !applied || got != b {
				t.Fatalf("diffQuestions(%q, %q, %v) = %+v: applied gives %q", a, b, merge, subs, got)
			}
		}
	})
}

package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// sortParser reads the word list after "List: ", whatever punctuation or
// spacing surrounds it.
const sortParser = `def parse(question):
    words = question.split("List:")[1].split()
    return [words]
`

// parsedSortTool is word sorting with three usage examples and a parser.
func parsedSortTool() *tool.Tool {
	tl := sortTool()
	tl.Examples = []tool.UsageExample{
		{Question: "Sort the following words alphabetically: List: oven costume", Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"},
		{Question: "Sort the following words alphabetically: List: kiwi banana apple", Code: `words = "kiwi banana apple".split()
ans = sort_words(words)`, Answer: "apple banana kiwi"},
		{Question: "Sort the following words alphabetically: List: zebra yak", Code: `ans = sort_words(["zebra", "yak"])`, Answer: "yak zebra"},
	}
	tl.Parser = sortParser
	return tl
}

func TestParserAnswersWithNoModelCall(t *testing.T) {
	s, srv := newSolver(t, 1)
	s.Template = true
	q := "Sort the following words alphabetically: List: syndrome therefrom apple pear"
	run, err := s.Solve(context.Background(), parsedSortTool(), Instance{ID: "1", Batch: "b", Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d model calls, want none", n)
	}
	if !run.OK || run.Answer != "apple pear syndrome therefrom" || run.Path != tool.PathParser {
		t.Fatalf("run %+v", run)
	}
	if !strings.Contains(run.Code, `ans = sort_words(['syndrome', 'therefrom', 'apple', 'pear'])`) || !strings.Contains(run.Guards, "parser: 1 argument(s)") {
		t.Fatalf("the record does not show the call and the guard decision:\ncode %q\nguards %q", run.Code, run.Guards)
	}
	runs, err := s.Store.(*library.Store).Runs(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if got := runs["1"]; got == nil || got.Path != tool.PathParser || got.Guards != run.Guards {
		t.Fatalf("stored run %+v", got)
	}
}

// Each way a parser can be wrong sends the instance to the user model, and
// the run says why.
func TestParserRefusalsGoToTheUserModel(t *testing.T) {
	cases := []struct {
		name, parser, question, refusal string
	}{
		{"parse fails", sortParser, "Sort these words: oven costume", "parser refused: parse failed"},
		{"argument shape", sortParser, "Sort the following words alphabetically: List: oven", `parser refused: argument place 0: one token`},
		{"token shape", sortParser, "Sort the following words alphabetically: List: 12 7", `argument place 0[]: a token shaped "9"`},
		{"not a list", "def parse(question):\n    return question\n", "Sort the following words alphabetically: List: b a", "parser not used"},
		{"does not reproduce its examples", "def parse(question):\n    return [[\"oven\", \"costume\"]]\n", "Sort the following words alphabetically: List: b a", "parser not used: it does not reproduce its own examples"},
		{"calls the tool", "def parse(question):\n    return [sort_words(question.split())]\n", "Sort the following words alphabetically: List: b a", "does not load on its own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, srv := newSolver(t, 1)
			s.Template = true
			srv.Script(fakeopenai.Match{Template: UseTemplate}, fakeopenai.Reply{Content: fenced(`ans = sort_words(["b", "a"])`)})
			tl := parsedSortTool()
			tl.Parser = c.parser
			run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: c.question})
			if err != nil {
				t.Fatal(err)
			}
			if run.Path != tool.PathUser && run.Path != tool.PathTemplate {
				t.Fatalf("path %q, want the parser refused", run.Path)
			}
			if run.Path == tool.PathUser && len(srv.Requests()) != 1 {
				t.Fatalf("%d model calls on the user path", len(srv.Requests()))
			}
			if !strings.Contains(run.Guards, c.refusal) {
				t.Fatalf("guards %q do not say %q", run.Guards, c.refusal)
			}
		})
	}
}

// A parser runs in a module of its own: a helper named like a tool
// function changes nothing the tool computes.
func TestParserIsolatedFromTheTool(t *testing.T) {
	s, srv := newSolver(t, 1)
	s.Template = true
	tl := parsedSortTool()
	tl.Parser = "def sort_words(w):\n    return 'wrong'\n\ndef parse(question):\n    return [question.split(\"List:\")[1].split()]\n"
	run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Question: "Sort the following words alphabetically: List: b a"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Path != tool.PathParser || run.Answer != "a b" || len(srv.Requests()) != 0 {
		t.Fatalf("run %+v", run)
	}
}

func TestVerifyParser(t *testing.T) {
	s, _ := newSolver(t, 0)
	tl := parsedSortTool()
	labelled := []tool.Example{{Question: "Sort the following words alphabetically: List: b c a", Answer: "a b c"}}
	ctx := context.Background()
	if p, err := VerifyParser(ctx, s.Runtime, tl, sortParser, "word_sorting", labelled); err != nil || p != "" {
		t.Fatalf("a right parser: %q, %v", p, err)
	}
	wrongLabel := []tool.Example{{Question: "Sort the following words alphabetically: List: b c a", Answer: "c b a"}}
	if p, _ := VerifyParser(ctx, s.Runtime, tl, sortParser, "word_sorting", wrongLabel); !strings.Contains(p, `the answer is "c b a"`) {
		t.Fatalf("a label the parser misses: %q", p)
	}
	firstTwo := "def parse(question):\n    return [question.split(\"List:\")[1].split()[:2]]\n"
	if p, _ := VerifyParser(ctx, s.Runtime, tl, firstTwo, "word_sorting", nil); !strings.Contains(p, "usage example 2") || !strings.Contains(p, `the example calls sort_words with [["kiwi","banana","apple"]]`) {
		t.Fatalf("a parser that differs from a usage example's call: %q", p)
	}
	if p, _ := VerifyParser(ctx, s.Runtime, tl, "def parse(q, extra):\n    return []\n", "", nil); !strings.Contains(p, "no function parse(question)") {
		t.Fatalf("no parse(question): %q", p)
	}
	if p, _ := VerifyParser(ctx, s.Runtime, tl, "def parse(q):\n    return [\n", "", nil); !strings.Contains(p, "does not load") {
		t.Fatalf("a parser with a syntax error: %q", p)
	}
}

func TestCallCodeForRendersLiterals(t *testing.T) {
	code, ok := callCodeFor("f", []any{"it's", int64(3), 2.0, []any{true, nil}, map[string]any{"b": "x", "a": 1.5}})
	if want := `ans = f("it's", 3, 2.0, [True, None], {'a': 1.5, 'b': 'x'})` + "\n"; !ok || code != want {
		t.Fatalf("callCodeFor = %q, %v; want %q", code, ok, want)
	}
	if _, ok := callCodeFor("f", []any{struct{}{}}); ok {
		t.Fatal("a value with no literal form was rendered")
	}
}

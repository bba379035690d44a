package user

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/paperwrappers"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// keepTool keeps the words a predicate holds for: its second argument is
// a function, as GPT-4's logical-deduction constraints are.
func keepTool() *tool.Tool {
	return &tool.Tool{
		Name: "keep_words", Version: 1, Entry: "keep", Signature: "keep(words, pred)",
		Source: "def keep(words, pred):\n    return [w for w in words if pred(w)]\n",
		Examples: []tool.UsageExample{
			{Question: "Keep the words starting with a: apple berry avocado", Code: `ans = " ".join(keep(["apple", "berry", "avocado"], lambda w: w.startswith("a")))`, Answer: "apple avocado"},
			{Question: "Keep the words starting with b: bean corn beet", Code: `words = ["bean", "corn", "beet"]
ret = keep(words, lambda w: w[0] == "b")
ans = " ".join(ret)`, Answer: "bean beet"},
		},
	}
}

const keepParser = `# Reads the letter and the words.
def starts(letter):
    return lambda w: w.startswith(letter)

def parse(question):
    head, words = question.split(": ")
    return [words.split(" "), starts(head[-1])]

def finish(question, ret):
    return " ".join(ret)
`

func TestParserWithFunctionArgumentsAnswersWithNoModelCall(t *testing.T) {
	s, srv := newSolver(t, 1)
	s.Template = true
	tl := keepTool()
	tl.Parser = keepParser
	run, err := s.Solve(context.Background(), tl, Instance{ID: "1", Batch: "b", Question: "Keep the words starting with p: pea fig plum"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d model calls, want none", n)
	}
	if !run.OK || run.Answer != "pea plum" || run.Path != tool.PathParser {
		t.Fatalf("run %+v", run)
	}
	for _, want := range []string{`# ans = keep(['pea', 'fig', 'plum'], <function>)`, "ans = keep(*parse(question))", "ran as one program"} {
		if !strings.Contains(run.Code, want) {
			t.Fatalf("the record does not show %q:\n%s", want, run.Code)
		}
	}
}

// VerifyParser compares what can be compared of a call with functions:
// the literal arguments, where the functions are, the entry's return value
// and the answer. Each mismatch is named.
func TestVerifyParserWithFunctionArguments(t *testing.T) {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	ctx := context.Background()
	tl := keepTool()
	if p, err := VerifyParser(ctx, rt, tl, keepParser, "", nil); err != nil || p != "" {
		t.Fatalf("the parser does not verify: %q, %v", p, err)
	}
	cases := []struct{ name, parser, problem string }{
		{"another function", strings.Replace(keepParser, "w.startswith(letter)", "not w.startswith(letter)", 1), `the call with what parse returned gave ["berry"] but the example's own call gave ["apple","avocado"]`},
		{"literal where a function is", strings.Replace(keepParser, "starts(head[-1])]", "head[-1]]", 1), `parse returned [['apple', 'berry', 'avocado'], 'a'] but the example calls keep with [['apple', 'berry', 'avocado'], <function>]`},
		{"other literals", strings.Replace(keepParser, `words.split(" ")`, `sorted(words.split(" "))`, 1), `parse returned [['apple', 'avocado', 'berry'], <function>]`},
		{"wrong answer", strings.Replace(keepParser, `" ".join(ret)`, `",".join(ret)`, 1), `the parsed call answered "apple,avocado"; the example's answer is "apple avocado"`},
		{"multi-line string", keepParser + "\nNOTE = \"\"\"a\nb\"\"\"\n", "triple-quoted string"},
		{"parse fails", strings.Replace(keepParser, `split(": ")`, `split("; ")`, 1), "parse failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := VerifyParser(ctx, rt, tl, c.parser, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p, c.problem) {
				t.Fatalf("problem %q, want it to say %q", p, c.problem)
			}
		})
	}
}

// A parser that, run beside the tool, would see a name the tool binds is
// refused: on its own it saw the builtin.
func TestNestedParserRefusesNamesTheToolBinds(t *testing.T) {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	tl := keepTool()
	tl.Source += "\ndef sorted(x):\n    return x\n"
	parser := strings.Replace(keepParser, `words.split(" ")`, `sorted(words.split(" "))`, 1)
	nr, err := runNested(context.Background(), rt, tl, parser, "Keep the words starting with p: pea fig plum")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(nr.problem, "uses the name sorted, which the tool's code defines") {
		t.Fatalf("problem %q", nr.problem)
	}
	// Its own helper of a tool's name is its own, and changes nothing the
	// tool computes.
	own := "def keep(w, p):\n    return []\n" + keepParser
	nr, err = runNested(context.Background(), rt, keepTool(), own, "Keep the words starting with p: pea fig plum")
	if err != nil || nr.problem != "" || nr.raw != `["pea","plum"]` {
		t.Fatalf("run %+v, %v", nr, err)
	}
}

// The hand-written logical-deduction parser verifies on the training and
// validation examples and GPT-4's usage examples, and answers a test
// question through the real tool's lambdas.
func TestLogicalDeductionParser(t *testing.T) {
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	ctx := context.Background()
	task := "logical_deduction_five_objects"
	tl, err := paperwrappers.Tool(task)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "examples", "parsers", task+".star"))
	if err != nil {
		t.Fatal(err)
	}
	split, err := bbh.LoadSplit(task)
	if err != nil {
		t.Fatal(err)
	}
	var labelled []tool.Example
	for _, ex := range append(append([]bbh.Example(nil), split.Train...), split.Valid...) {
		labelled = append(labelled, tool.Example{Question: ex.Question, Answer: ex.Answer})
	}
	if p, err := VerifyParser(ctx, rt, tl, string(src), task, labelled); err != nil || p != "" {
		t.Fatalf("the parser does not verify: %q, %v", p, err)
	}
	// A sentence form it does not know fails parse.
	q := strings.Replace(split.Test[0].Question, "\nOptions:", " The first one is older than the last one.\nOptions:", 1)
	pr, err := runParser(ctx, rt, tl, string(src), q, true)
	if err != nil || !strings.Contains(pr.problem, "failed") {
		t.Fatalf("run %+v, %v; want parse to fail", pr, err)
	}
}

// Whatever a maker writes as a parser, running it nested beside the tool
// either answers or names a problem: it never panics, and a parser that
// answers gave a list with a function in it.
func FuzzNestedParser(f *testing.F) {
	f.Add(keepParser, "Keep the words starting with p: pea fig plum")
	f.Add("def parse(q):\n    return [[q], lambda w: True]\n", "x")
	f.Add("def parse(q):\n  return q\n", "x")
	f.Add("def parse(q):\n    return [\"\"\"a\nb\"\"\", len]\n", "x")
	f.Add("def parse(q):\n\treturn [q, len]\n", "x")
	f.Add("def parse(q):\n    return [q, \\\n len]\n", "x")
	f.Add("x = 1\nif x:\n    def parse(q):\n        return [{\"k\": lambda v: v}, [len, (1, len)]]\n", "q")
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Limits: starlarkrt.Limits{MaxSteps: 100_000}})
	f.Cleanup(func() { rt.Close() })
	f.Fuzz(func(t *testing.T, parser, question string) {
		nr, err := runNested(context.Background(), rt, keepTool(), parser, question)
		if err != nil {
			return // the machinery's (a source over the compile limits)
		}
		if nr.problem == "" && (len(nr.args) == 0 || !strings.Contains(describeArg(nr.args), "<function>")) {
			t.Fatalf("answered with arguments %s", describeArg(nr.args))
		}
	})
}

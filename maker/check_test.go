package maker

import (
	"strings"
	"testing"

	"github.com/latm/latm/prompts"
	"github.com/latm/latm/tool"
)

func TestStaticCheck(t *testing.T) {
	t.Parallel()
	funcs := []string{"split_words", "sort_words"}
	want := "apple pear"
	for _, c := range []struct {
		name, code, problem string // problem: a substring of the expected problem, "" if none
	}{
		{"honest", "words = \"pear apple\".split()\nret = sort_words(words)\nans = \" \".join(ret)\nassert ans == \"apple pear\"", ""},
		{"multi-line assert", "ret = sort_words([\"pear\", \"apple\"])\nans = \" \".join(ret)\nassert (ans ==\n    \"apple pear\")", ""},
		{"no assert", "ret = sort_words([\"pear\", \"apple\"])\nans = \" \".join(ret)", "no `assert"},
		{"assert only in a string", "ret = sort_words([\"x\"])\nans = \"assert ans\"", "no `assert"},
		{"literal answer", "ret = sort_words([\"pear\", \"apple\"])\nans = \"apple pear\"\nassert ans == \"apple pear\"", "by hand"},
		{"literal answer, single quotes", "ret = sort_words(['pear'])\nans1 = 'apple pear'\nassert ans1 == 'apple pear'", "by hand"},
		{"no tool call", "ans = \" \".join(sorted([\"pear\", \"apple\"]))\nassert ans == \"apple pear\"", "calls none"},
		{"call only in a comment", "# ret = sort_words(x)\nans = \" \".join(sorted([\"pear\", \"apple\"]))\nassert ans == \"apple pear\"", "calls none"},
		{"method of the same name", "ret = x.sort_words([\"a\"])\nans = \" \".join(ret)\nassert ans == \"apple pear\"", "calls none"},
		{"redefines the tool", "def sort_words(w):\n    return [\"apple\", \"pear\"]\nret = sort_words([])\nans = \" \".join(ret)\nassert ans == \"apple pear\"", "defines sort_words again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			call, problem := staticCheck("word_sorting", c.code, want, funcs, true)
			if c.problem == "" && problem != "" || c.problem != "" && !strings.Contains(problem, c.problem) {
				t.Fatalf("problem = %q, want one containing %q", problem, c.problem)
			}
			if strings.Contains(call, "assert") && c.problem == "" {
				t.Errorf("call code keeps the assert: %q", call)
			}
		})
	}
}

func TestSplitAssert(t *testing.T) {
	t.Parallel()
	call, n := splitAssert("x = f(1)\nassert x == [\n  1,\n]\nans = x\nassert ans == \"a\"")
	if n != 2 || call != "x = f(1)\nans = x" {
		t.Fatalf("splitAssert = %q, %d", call, n)
	}
}

func TestLiteralAnswerOtherAnswersAllowed(t *testing.T) {
	t.Parallel()
	// Writing a literal that is not the expected answer (e.g. the other
	// option of a yes/no question) is honest conversion code.
	code := "ret = plausible(\"x\")\nans = \"yes\" if ret else \"no\""
	if l := literalAnswer("sports", code, "yes"); l != "" {
		t.Fatalf("conversion flagged as a literal answer: %q", l)
	}
	if l := literalAnswer("chinese_remainder_theorem", "ans = 42", "42"); l == "" {
		t.Fatal("a number literal equal to the answer was not flagged")
	}
}

func TestPromptsRender(t *testing.T) {
	t.Parallel()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dialect, err := set.Render("dialect", nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := []tool.Example{{Question: "Sort: b a", Answer: "a b"}}
	p, err := set.Render("propose", map[string]any{"Name": "word_sorting", "Description": "Sort words.", "Examples": ex, "Dialect": dialect})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Question: Sort: b a\nAnswer: a b", "pow(x, y)", "try/except", "```starlark", "Sort words."} {
		if !strings.Contains(p, want) {
			t.Errorf("propose prompt lacks %q:\n%s", want, p)
		}
	}
	f, err := set.Render("verify_fix", map[string]any{"Problem": "", "N": 2, "Failures": []failure{
		{Index: 2, Question: "Sort: d c", Want: "c d", Got: "d c"},
		{Index: 3, Question: "Sort: x", Error: "runtime error at line 4"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Test 2 (Question: Sort: d c)", `expected ans == 'c d', got 'd c'`, "runtime error at line 4", "all 2 tests"} {
		if !strings.Contains(f, want) {
			t.Errorf("verify_fix prompt lacks %q:\n%s", want, f)
		}
	}
	pk, err := set.Render("package", map[string]any{"Examples": ex, "Entry": "sort_words"})
	if err != nil {
		t.Fatal(err)
	}
	// The named entry is the function to call, with no alternative offered.
	if !strings.Contains(pk, "call `sort_words`") || strings.Contains(pk, "whichever") || !strings.Contains(pk, "Now check it on the 1 questions below") {
		t.Errorf("package prompt:\n%s", pk)
	}
	for _, name := range []string{"fix", "verify", "package"} {
		if _, err := set.Render(name, map[string]any{"Problem": "p", "Dialect": dialect, "Examples": ex, "Entry": "sort_words"}); err != nil {
			t.Errorf("render %s: %v", name, err)
		}
	}
}

func FuzzStaticCheck(f *testing.F) {
	f.Add("ret = f(\"a\")\nans = ret\nassert ans == 'x'", "x")
	f.Add("'''unterminated\nassert (", "")
	f.Add("ans = \"\\\"q\"\n#", "\"q")
	f.Fuzz(func(t *testing.T, code, want string) {
		call, _ := staticCheck("t", code, want, []string{"f"}, true)
		if len(strings.Split(blankStrings(code), "\n")) != len(strings.Split(code, "\n")) {
			t.Fatal("blankStrings changed the line structure")
		}
		if len(call) > len(code) {
			t.Fatal("call code longer than the test")
		}
	})
}

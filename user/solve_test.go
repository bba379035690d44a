package user

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

const sortSource = `def sort_words(words):
    """Sorts words alphabetically and joins them with spaces."""
    return " ".join(sorted(words))
`

func sortTool() *tool.Tool {
	return &tool.Tool{
		Name: "word_sorting", Version: 2, Source: sortSource, Entry: "sort_words", Signature: "sort_words(words)",
		Examples: []tool.UsageExample{{Question: "Sort the following words alphabetically: List: oven costume",
			Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"}},
	}
}

// newSolver returns a Solver whose user model is a fake endpoint and whose
// runs go to a fresh store.
func newSolver(t *testing.T, retries int) (*Solver, *fakeopenai.Server) {
	t.Helper()
	srv := fakeopenai.New(t)
	client, err := llm.New(llm.Config{
		Roles:  map[llm.Role]llm.RoleConfig{llm.User: {BaseURL: srv.URL, Model: "fake-mini", APIKeyEnv: "K"}},
		Getenv: func(string) string { return "sk-test" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	store, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ps, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	t.Cleanup(func() { rt.Close() })
	return &Solver{LLM: client, Runtime: rt, Prompts: ps, Store: store, Retries: retries}, srv
}

func fenced(code string) string { return "```starlark\n" + code + "\n```" }

func TestSolveRecordsTheRun(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 1)
	q := "Sort the following words alphabetically: List: syndrome therefrom apple"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: "Question: " + q}, fakeopenai.Reply{Content: "Sure.\n" + fenced(`ans = sort_words(["syndrome", "therefrom", "apple"])`)})
	run, err := s.Solve(context.Background(), sortTool(), Instance{ID: "7", Batch: "b1", Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.Answer != "apple syndrome therefrom" || run.RawResult != `"apple syndrome therefrom"` ||
		run.ToolName != "word_sorting" || run.ToolVersion != 2 || !strings.HasPrefix(run.Code, "ans = sort_words") || run.Latency <= 0 {
		t.Fatalf("run %+v", run)
	}
	runs, err := s.Store.(*library.Store).Runs(context.Background(), "b1")
	if err != nil {
		t.Fatal(err)
	}
	if got := runs["7"]; got == nil || got.Answer != run.Answer || !got.OK || got.Question != q {
		t.Fatalf("stored run %+v", got)
	}
}

func TestSolveFeedsTheErrorBack(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 2)
	q := "Sort the following words alphabetically: List: b a"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: "Question: " + q},
		fakeopenai.Reply{Content: "no code, sorry"},
		fakeopenai.Reply{Content: fenced("x = 1\ny = sort_words(['b', 'a']).nope")},
		fakeopenai.Reply{Content: fenced(`ans = sort_words(["b", "a"])`)})
	run, err := s.Solve(context.Background(), sortTool(), Instance{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.Answer != "a b" || run.Error != "" || run.InputID == "" {
		t.Fatalf("run %+v", run)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if fb := reqs[1].Last(); !strings.Contains(fb, "no code block") {
		t.Errorf("second request lacks the missing-code feedback: %q", fb)
	}
	fb := reqs[2].Last()
	for _, want := range []string{"runtime error", "call.star:2", "nope", "y = sort_words(['b', 'a']).nope"} {
		if !strings.Contains(fb, want) {
			t.Errorf("third request lacks %q:\n%s", want, fb)
		}
	}
	if n := len(reqs[2].Messages); n != 5 {
		t.Errorf("third request has %d messages, want 5 (prompt and two failed exchanges)", n)
	}
}

func TestSolveFailsWithoutAns(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	q := "Sort the following words alphabetically: List: d c"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: "Question: " + q}, fakeopenai.Reply{Content: fenced(`result = sort_words(["d", "c"])`)})
	run, err := s.Solve(context.Background(), sortTool(), Instance{ID: "x", Batch: "b", Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if run.OK || !strings.Contains(run.Error, "no variable named ans") || run.Code == "" {
		t.Fatalf("run %+v", run)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests with Retries 0", n)
	}
	runs, _ := s.Store.(*library.Store).Runs(context.Background(), "b")
	if r := runs["x"]; r == nil || r.OK {
		t.Errorf("failed run not recorded: %+v", r)
	}
}

func TestSolveEndpointFailureIsAnError(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 1)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 401})
	_, err := s.Solve(context.Background(), sortTool(), Instance{ID: "1", Batch: "b", Question: "q"})
	if err == nil || !strings.Contains(err.Error(), "word_sorting@2") {
		t.Fatalf("err = %v", err)
	}
	if runs, _ := s.Store.(*library.Store).Runs(context.Background(), "b"); len(runs) != 0 {
		t.Errorf("a machinery failure was recorded as a run: %+v", runs)
	}
}

func TestFeedbackNamesTheLineAndHint(t *testing.T) {
	t.Parallel()
	pe := &starlarkrt.ProgramError{Phase: "syntax", File: "call.star", Line: 3, Col: 5, Msg: "got newline, want ')'", SourceLine: "ans = f(1", Hint: "close the parenthesis"}
	fb := Feedback(errors.Join(pe))
	for _, want := range []string{"syntax error at call.star:3:5", "got newline, want ')'", "The line was: ans = f(1", "Hint: close the parenthesis", "one fenced code block"} {
		if !strings.Contains(fb, want) {
			t.Errorf("feedback lacks %q:\n%s", want, fb)
		}
	}
	if fb := Feedback(&starlarkrt.LimitError{Limit: "steps", Max: "100"}); !strings.Contains(fb, "limit exceeded: steps") {
		t.Errorf("limit feedback: %s", fb)
	}
}

// A reply with the call but no fence, as small local models write it, is
// run rather than sent back.
func TestSolveReadsAnUnfencedCall(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	q := "Sort the following words alphabetically: List: pear fig"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: "Question: " + q}, fakeopenai.Reply{Content: "The call is:\nans = sort_words([\"pear\", \"fig\"])\nThis sorts the words."})
	run, err := s.Solve(context.Background(), sortTool(), Instance{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.Answer != "fig pear" || len(srv.Requests()) != 1 {
		t.Fatalf("run %+v after %d requests", run, len(srv.Requests()))
	}
}

// A reply cut off by the token limit is still used: a call that is whole
// before the cut answers, and one that is not fails saying it was cut off.
func TestSolveUsesTruncatedReplies(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	whole := "Sort the following words alphabetically: List: d c"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: whole},
		fakeopenai.Reply{Content: fenced(`ans = sort_words(["d", "c"])`) + "\nThis sorts the wor", FinishReason: "length"})
	run, err := s.Solve(context.Background(), sortTool(), Instance{ID: "w", Batch: "t", Question: whole})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.Answer != "c d" {
		t.Fatalf("whole call in a truncated reply: run %+v", run)
	}
	cut := "Sort the following words alphabetically: List: f e"
	srv.Script(fakeopenai.Match{Template: UseTemplate, Contains: cut},
		fakeopenai.Reply{Content: "```starlark\nans = sort_words([\"f\", ", FinishReason: "length"})
	run, err = s.Solve(context.Background(), sortTool(), Instance{ID: "c", Batch: "t", Question: cut})
	if err != nil {
		t.Fatal(err)
	}
	if run.OK || !strings.Contains(run.Error, "cut off by the token limit") {
		t.Fatalf("cut call: run %+v", run)
	}
}

package eval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
)

// runEnv is a model client for the solver and user roles against a fake
// endpoint, with prices per million tokens the tests compute cost from.
type runEnv struct {
	srv    *fakeopenai.Server
	client *llm.Client
	set    *prompts.Set
	roles  map[string]RoleInfo
}

func newRunEnv(t *testing.T) *runEnv {
	t.Helper()
	srv := fakeopenai.New(t)
	t.Setenv("EVAL_TEST_KEY", "sk-test")
	rc := func(model string, in, out float64) llm.RoleConfig {
		return llm.RoleConfig{BaseURL: srv.URL, Model: model, APIKeyEnv: "EVAL_TEST_KEY", PriceIn: in, PriceOut: out}
	}
	client, err := llm.New(llm.Config{
		Roles: map[llm.Role]llm.RoleConfig{
			llm.Solver: rc("solver-test", 3, 10),
			llm.User:   rc("user-test", 0.5, 1.5),
		},
		Ledger:    Ledger(nil),
		RetryBase: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return &runEnv{srv: srv, client: client, set: set, roles: map[string]RoleInfo{
		"solver": {Model: "solver-test", Endpoint: srv.URL, PriceIn: 3, PriceOut: 10},
		"user":   {Model: "user-test", Endpoint: srv.URL, PriceIn: 0.5, PriceOut: 1.5},
	}}
}

func (e *runEnv) run(t *testing.T, o Options) []Row {
	t.Helper()
	if o.Roles == nil {
		o.Roles = e.roles
	}
	rows, err := Run(context.Background(), Deps{Chat: e.client, Prompts: e.set}, o)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// answerAll answers every direct and CoT prompt with the answer of the test
// example it quotes (test questions are never part of one another), unless wrong says otherwise, at fixed token counts.
func (e *runEnv) answerAll(t *testing.T, task *Task, wrong func(model string, i int) bool) {
	var mu sync.Mutex
	e.srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		mu.Lock()
		defer mu.Unlock()
		last := r.Last()
		for i, ex := range task.Test {
			if (r.Template != "direct" && r.Template != "cot") || !strings.Contains(last, ex.Question) {
				continue
			}
			ans := ex.Answer
			if wrong != nil && wrong(r.Model, i) {
				ans = "wrong " + ans
			}
			return fakeopenai.Reply{Content: "Thinking.\nSo the answer is " + ans + ".", PromptTokens: 100, OutTokens: 10}
		}
		t.Errorf("unexpected %s request: %q", r.Model, last)
		return fakeopenai.Reply{Status: 400}
	})
}

// smallTask is a task with n test examples whose questions name their index.
func smallTask(name string, n int) *Task {
	t := &Task{Name: name, CoT: "Q: What is one?\nA: Let's think step by step. So the answer is 1."}
	for i := 0; i < 5; i++ {
		t.Train = append(t.Train, Example{fmt.Sprintf("train %d", i), "t"})
		t.Valid = append(t.Valid, Example{fmt.Sprintf("valid %d", i), "v"})
	}
	for i := 0; i < n; i++ {
		t.Test = append(t.Test, Example{fmt.Sprintf("what is %d plus zero?", i), fmt.Sprint(i)})
	}
	return t
}

func rowFor(t *testing.T, rows []Row, method string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Method == method {
			return r
		}
	}
	t.Fatalf("no %s row in %+v", method, rows)
	return Row{}
}

// TestRunCheckpointResumesOnlyWhatItMeasured: a checkpoint line is reused
// only for the same question answered by the same model; a changed
// --cot-role, model or task file asks again, a larger --limit asks only
// for the new instances, and two methods share one file.
func TestRunCheckpointResumesOnlyWhatItMeasured(t *testing.T) {
	e := newRunEnv(t)
	task := smallTask("sums", 4)
	e.answerAll(t, task, func(model string, i int) bool { return model == "user-test" && i == 0 })
	ckpt := filepath.Join(t.TempDir(), "ck.jsonl")
	calls := func() int { return len(e.srv.Requests()) }

	rows := e.run(t, Options{Tasks: []*Task{task}, Methods: []string{MethodCoT, MethodDirect}, Limit: 2, Checkpoint: ckpt})
	if c, d := rowFor(t, rows, MethodCoT), rowFor(t, rows, MethodDirect); c.Correct != 1 || d.Correct != 2 || calls() != 4 {
		t.Fatalf("first run: cot %d/2, direct %d/2 in %d calls; want 1/2, 2/2 in 4", c.Correct, d.Correct, calls())
	}

	// Same settings, larger limit: only instances 2 and 3 of each method.
	rows = e.run(t, Options{Tasks: []*Task{task}, Methods: []string{MethodCoT, MethodDirect}, Limit: 4, Checkpoint: ckpt})
	c, d := rowFor(t, rows, MethodCoT), rowFor(t, rows, MethodDirect)
	if calls() != 8 || c.N != 4 || c.Correct != 3 || d.Correct != 4 || c.Resumed != 2 || d.Resumed != 2 || c.Calls != 4 {
		t.Fatalf("larger limit: %d calls in all; cot %+v; direct %+v", calls(), c, d)
	}

	// The CoT by the solver is another measurement: all four asked again.
	rows = e.run(t, Options{Tasks: []*Task{task}, Methods: []string{MethodCoT}, CoTRole: llm.Solver, Checkpoint: ckpt})
	if c := rowFor(t, rows, MethodCoT); calls() != 12 || c.Correct != 4 || c.Resumed != 0 {
		t.Fatalf("cot by the solver resumed the user's answers: %d calls in all, %+v", calls(), c)
	}

	// A task file whose instance 1 changed: only that one is asked again.
	changed := smallTask("sums", 2)
	changed.Test[1] = Example{"what is 7 plus zero?", "7"}
	e.answerAll(t, changed, nil)
	rows = e.run(t, Options{Tasks: []*Task{changed}, Methods: []string{MethodDirect}, Checkpoint: ckpt})
	if d := rowFor(t, rows, MethodDirect); calls() != 13 || d.Resumed != 1 || d.Correct != 2 {
		t.Fatalf("changed question: %d calls in all, %+v", calls(), d)
	}
	if got := e.srv.Requests()[12].Last(); !strings.Contains(got, "what is 7 plus zero?") {
		t.Errorf("asked %q, want the changed question", got)
	}
	// Another model under the same role name: asked again.
	other := map[string]RoleInfo{"solver": {Model: "solver-v2", Endpoint: e.srv.URL}, "user": e.roles["user"]}
	rows = e.run(t, Options{Tasks: []*Task{task}, Methods: []string{MethodDirect}, Limit: 1, Checkpoint: ckpt, Roles: other})
	if d := rowFor(t, rows, MethodDirect); calls() != 14 || d.Resumed != 0 {
		t.Fatalf("another model resumed the first's answers: %d calls in all, %+v", calls(), d)
	}

}

// TestCheckpointReaderOnCorruptInput: lines that are not records, records
// of unknown kinds, wrong types and a torn tail are skipped; the records
// around them are kept, and reopening adds no blank lines.
func TestCheckpointReaderOnCorruptInput(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cp.jsonl")
	good := `{"kind":"instance","task":"t","method":"cot","index":0,"answer":"x","correct":true,"calls":1,"cost":0.25,"measured":"m","question":"q0"}`
	body := strings.Join([]string{
		"not json at all",
		good,
		`{"kind":"instance","task":"t","method":"cot","index":"one"}`,
		`{"kind":"banana","task":"t"}`,
		`[1,2,3]`,
		``,
		`{"kind":"tool","task":"t","tool":"not an object"}`,
		`{"kind":"instance","task":"t","method":"cot","index":1,"answer":"y","measured":"m","question":"q1"}`,
		`{"kind":"instance","task":"t","met`,
	}, "\n")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cp, err := openCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := cp.done("t", "cot", 0, "m", "q0"); !ok || in.Answer != "x" || in.Cost != 0.25 {
		t.Errorf("record 0: %+v %v", in, ok)
	}
	if in, ok := cp.done("t", "cot", 1, "m", "q1"); !ok || in.Answer != "y" {
		t.Errorf("record 1: %+v %v", in, ok)
	}
	if _, ok := cp.done("t", "cot", 0, "m", "other question"); ok {
		t.Error("a record resumed for another question")
	}
	if _, ok := cp.tool("t", "m", "h"); ok {
		t.Error("a malformed tool record was taken")
	}
	if err := cp.append(instance{Kind: "instance", Task: "t", Method: "cot", Index: 2, Measured: "m", Question: "q2"}); err != nil {
		t.Fatal(err)
	}
	cp.Close()
	for i := 0; i < 3; i++ {
		cp, err = openCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		cp.Close()
	}
	cp, _ = openCheckpoint(path)
	defer cp.Close()
	if _, ok := cp.done("t", "cot", 2, "m", "q2"); !ok {
		t.Error("record after the torn line lost")
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n\n"); n != 1 { // the one blank line of the original body
		t.Errorf("reopening added blank lines: %d empty lines in\n%s", n, b)
	}

	// A line longer than any record is refused with the file's name.
	long := filepath.Join(t.TempDir(), "long.jsonl")
	os.WriteFile(long, []byte(`{"kind":"instance","answer":"`+strings.Repeat("x", 65<<20)+`"}`+"\n"), 0o644)
	if _, err := openCheckpoint(long); err == nil || !strings.Contains(err.Error(), "long.jsonl") {
		t.Errorf("oversized line: %v", err)
	}
}

package engine

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/latm/latm/eval"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/llm"
)

// Evaluate on an engine: the results name the roles the methods used, at
// their endpoint, and every prompt; the figures count each instance's
// calls, which the store's ledger records too.
func TestEvaluateHeadsAndCountsTheRun(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	q := regexp.MustCompile(`what is (\d+) plus zero\?`)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		m := q.FindAllStringSubmatch(r.Last(), -1)
		if m == nil {
			t.Errorf("unexpected prompt %q", r.Last())
			return fakeopenai.Reply{Status: 400}
		}
		return fakeopenai.Reply{Content: "Thinking.\nSo the answer is " + m[len(m)-1][1] + ".", PromptTokens: 100, OutTokens: 10}
	})
	task := &eval.Task{Name: "tiny", CoT: "Q: What is one?\nA: Let's think step by step. So the answer is 1."}
	for i := range 5 {
		task.Train = append(task.Train, eval.Example{Question: fmt.Sprintf("train %d", i), Answer: "t"})
		task.Valid = append(task.Valid, eval.Example{Question: fmt.Sprintf("valid %d", i), Answer: "v"})
	}
	for i := range 3 {
		task.Test = append(task.Test, eval.Example{Question: fmt.Sprintf("what is %d plus zero?", i), Answer: fmt.Sprint(i)})
	}
	cfg := testConfig(t, srv)
	cfg.Cache = false
	e := open(t, cfg)
	ctx := context.Background()
	res, err := e.Evaluate(ctx, eval.Options{Tasks: []*eval.Task{task}, Methods: []string{eval.MethodDirect, eval.MethodCoT}, CoTRole: llm.Solver}, "v-test")
	if err != nil {
		t.Fatal(err)
	}
	if res.LATMVersion != "v-test" || len(res.Roles) != 1 || res.Roles["solver"].Endpoint != srv.URL || res.Roles["solver"].Model != "gpt-4.1" {
		t.Errorf("roles %+v (version %q): want only the solver, at the configured endpoint", res.Roles, res.LATMVersion)
	}
	if len(res.PromptHashes) == 0 || res.TaskHashes["tiny"] == "" || res.Finished.Before(res.Started) {
		t.Errorf("header %+v", res)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("rows %+v, want direct and cot", res.Rows)
	}
	for _, r := range res.Rows {
		if r.Correct != 3 || r.Calls != 3 || r.TokensIn != 300 || r.Cost <= 0 || r.Measured != "solver gpt-4.1 @ "+srv.URL {
			t.Errorf("%s row %+v, want 3 of 3 in 3 priced calls, measured on the solver", r.Method, r)
		}
	}
	rows, err := e.Cost(ctx, "role")
	if err != nil || len(rows) != 1 || rows[0].Calls != 6 {
		t.Errorf("store ledger %+v (%v), want the 6 solver calls", rows, err)
	}
}

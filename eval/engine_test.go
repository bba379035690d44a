package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
)

// Evaluate on an engine: the results name the roles the methods used, with
// their endpoint, and every prompt; the figures count each instance's
// calls, which the store's ledger records too.
func TestEvaluateOnAnEngine(t *testing.T) {
	env := newRunEnv(t)
	task := smallTask("tiny", 3)
	env.answerAll(t, task, nil)
	cfg := engine.Defaults()
	cfg.DB = filepath.Join(t.TempDir(), "latm.db")
	cfg.BaseURL = env.srv.URL
	cfg.Getenv = func(string) string { return "sk-test" }
	cfg.Cache = false
	cfg.Runtime = starlarkrt.Options{Isolation: starlarkrt.InProcess}
	e, err := engine.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	res, err := Evaluate(ctx, e, Options{Tasks: []*Task{task}, Methods: []string{MethodDirect, MethodCoT}, CoTRole: llm.Solver}, "v-test")
	if err != nil {
		t.Fatal(err)
	}
	if res.LATMVersion != "v-test" || len(res.Roles) != 1 || res.Roles["solver"].Endpoint != env.srv.URL || res.Roles["solver"].Model != "gpt-4.1" {
		t.Errorf("roles %+v (version %q): want only the solver, at the configured endpoint", res.Roles, res.LATMVersion)
	}
	if len(res.PromptHashes) == 0 || res.TaskHashes["tiny"] == "" || res.Finished.Before(res.Started) {
		t.Errorf("header %+v", res)
	}
	for _, m := range []string{MethodDirect, MethodCoT} {
		if r := rowFor(t, res.Rows, m); r.Correct != 3 || r.Calls != 3 || r.TokensIn != 300 || r.Cost <= 0 {
			t.Errorf("%s row %+v, want 3 of 3 in 3 priced calls", m, r)
		}
	}
	rows, err := e.Cost(ctx, "role")
	if err != nil || len(rows) != 1 || rows[0].Calls != 6 {
		t.Errorf("store ledger %+v (%v), want the 6 solver calls", rows, err)
	}
}

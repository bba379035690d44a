package dispatch

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// dispatcherEnv returns a dispatcher over an empty library whose every
// model role is srv: the tool user answers with a call of echo, the solver
// with "Answer: guess", the dispatcher with "Task: unknown". It has no
// maker; tests that need one make tools themselves.
func dispatcherEnv(t testing.TB) (*Dispatcher, *fakeopenai.Server) {
	t.Helper()
	s, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := fakeopenai.New(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch r.Template {
		case Template:
			return fakeopenai.Reply{Content: "Task: unknown"}
		case "direct":
			return fakeopenai.Reply{Content: "Answer: guess"}
		}
		return fakeopenai.Reply{Content: "```starlark\nans = echo(\"tool answer\")\n```"}
	})
	roles := map[llm.Role]llm.RoleConfig{}
	for _, r := range []llm.Role{llm.Dispatcher, llm.Solver, llm.User} {
		roles[r] = llm.RoleConfig{BaseURL: srv.URL, Model: string(r), APIKeyEnv: "K"}
	}
	client, err := llm.New(llm.Config{Roles: roles, Getenv: func(string) string { return "sk-test" }, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	ps, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rt := starlarkrt.New(starlarkrt.Options{})
	t.Cleanup(func() { rt.Close() })
	return &Dispatcher{
		Store:   s,
		Router:  &Router{Store: s, LLM: client, Prompts: ps, Thresholds: DefaultThresholds},
		Solver:  &user.Solver{Store: s, LLM: client, Runtime: rt, Prompts: ps},
		LLM:     client,
		Prompts: ps,
		Unknown: UnknownNone,
	}, srv
}

// saveEcho saves a tool named name whose usage questions are examples 5–9
// of the BBH task name.
func saveEcho(t testing.TB, s Store, name string) *tool.Tool {
	t.Helper()
	sp, err := bbh.LoadSplit(name)
	if err != nil {
		t.Fatal(err)
	}
	tl := &tool.Tool{Name: name, Source: "def echo(x):\n    return x\n", Entry: "echo", Description: name}
	for _, e := range sp.Valid {
		tl.Examples = append(tl.Examples, tool.UsageExample{Question: e.Question, Code: "ans = echo(1)", Answer: e.Answer})
	}
	if err := s.SaveTool(context.Background(), tl); err != nil {
		t.Fatal(err)
	}
	return tl
}

// An instance routed as unknown just before another worker made the tool
// for its task must be solved with that tool, not start a new group that
// no later instance will join (they all route to the tool).
func TestUnknownRoutedBeforeItsToolWasMadeUsesTheTool(t *testing.T) {
	t.Parallel()
	d, _ := dispatcherEnv(t)
	ctx := context.Background()
	in := Instance{Batch: "b", ID: "x", Question: wsQ}
	gen := d.generation()
	dec, err := d.Router.Route(ctx, in.Batch, in.ID, in.Question)
	if err != nil || dec.Tool != nil {
		t.Fatalf("empty library: decision %+v, %v; want unknown", dec, err)
	}
	// Meanwhile another worker makes the tool.
	saveEcho(t, d.Store, "word_sorting")
	d.toolAdded()

	rs, err := d.pool(ctx, in, dec, gen, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != StatusSolved || !strings.HasPrefix(rs[0].Tool, "word_sorting@") || rs[0].Answer != "tool answer" {
		t.Fatalf("results %+v, want x solved with word_sorting", rs)
	}
	open, err := d.Store.PendingInstances(ctx, -1)
	if err != nil || len(open) != 0 {
		t.Errorf("%d instances left pending (%v), want none", len(open), err)
	}
}

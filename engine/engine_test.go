package engine

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// testConfig is Defaults with every role at srv and a fresh database.
func testConfig(t *testing.T, srv *fakeopenai.Server) Config {
	t.Helper()
	cfg := Defaults()
	cfg.DB = filepath.Join(t.TempDir(), "latm.db")
	cfg.BaseURL = srv.URL
	cfg.APIKeyEnv = "FAKE_KEY"
	cfg.Getenv = func(k string) string { return map[string]string{"FAKE_KEY": "sk-fake"}[k] }
	cfg.Runtime = starlarkrt.Options{Isolation: starlarkrt.InProcess}
	for role, rc := range cfg.Roles {
		rc.MaxRetries = 0
		cfg.Roles[role] = rc
	}
	return cfg
}

func open(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEngineWiresTheStoresLedgerAndCache(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "a reply", PromptTokens: 1000, OutTokens: 100})
	e := open(t, testConfig(t, srv))
	ctx := context.Background()
	q := llm.Request{Role: llm.User, Messages: []llm.Message{{Role: "user", Content: "sort b a"}}}
	for i := range 2 {
		resp, err := e.LLM().Chat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if resp.CacheHit != (i == 1) {
			t.Errorf("call %d: CacheHit = %v; a temperature-0 call is served from the store's cache the second time", i, resp.CacheHit)
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
	if got := srv.Requests()[0].Header["Authorization"]; len(got) != 1 || got[0] != "Bearer sk-fake" {
		t.Errorf("Authorization = %q, want the key read through Getenv from the top-level key variable", got)
	}
	rows, err := e.Cost(ctx, "role")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Key != "user" || rows[0].Calls != 2 || rows[0].CacheHits != 1 || rows[0].TokensIn != 1000 || rows[0].Cost <= 0 {
		t.Errorf("ledger by role = %+v, want both user calls, one a cache hit, priced", rows)
	}
}

// countingLedger counts the calls it sees before passing them on.
type countingLedger struct {
	mu    sync.Mutex
	n     int
	inner llm.Ledger
}

func (l *countingLedger) RecordCall(ctx context.Context, c llm.Call) error {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
	return l.inner.RecordCall(ctx, c)
}

func TestWithLedgerSeesEveryCallBeforeTheStore(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "ok"})
	e := open(t, testConfig(t, srv))
	counter := &countingLedger{}
	m, err := e.WithLedger(func(inner llm.Ledger) llm.Ledger { counter.inner = inner; return counter })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.LLM().Chat(ctx, llm.Request{Role: llm.Maker, Messages: []llm.Message{{Role: "user", Content: "make"}}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if m.Store() != e.Store() || m.Runtime() != e.Runtime() || m.LLM() == e.LLM() {
		t.Errorf("WithLedger must share the store and sandbox and have a client of its own")
	}
	rows, err := e.Cost(ctx, "role")
	if counter.n != 1 || err != nil || len(rows) != 1 || rows[0].Calls != 1 {
		t.Errorf("wrapper saw %d calls, store has %+v (%v); want one in each", counter.n, rows, err)
	}
	// Closing the derived engine leaves the store open for e.
	if _, err := e.Tools(ctx, true); err != nil {
		t.Errorf("the store was closed with the derived engine: %v", err)
	}
}

func TestNewRefusesABadConfigAsAUsageError(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	for name, edit := range map[string]func(*Config){
		"unknown policy": func(c *Config) { c.Dispatch.Unknown = "guess" },
		"api type": func(c *Config) {
			rc := c.Roles[llm.Maker]
			rc.APIType = "bedrock"
			c.Roles[llm.Maker] = rc
		},
		"prompts dir": func(c *Config) { c.PromptsDir = filepath.Join(t.TempDir(), "missing") },
	} {
		cfg := testConfig(t, srv)
		edit(&cfg)
		_, err := Open(cfg)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want a *UsageError", name, err)
		}
	}
}

func TestDispatcherIsSharedAndNeedsTheMakersExamples(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	cfg := testConfig(t, srv)
	cfg.Dispatch.MinExamples = 2 // fewer than the maker takes
	cfg.Make.Train, cfg.Make.Valid = 3, 4
	e := open(t, cfg)
	d := e.Dispatcher()
	if e.Dispatcher() != d {
		t.Errorf("a second dispatcher: two streams of one engine could make one tool twice")
	}
	if d.MinExamples != 7 || d.Unknown != dispatch.UnknownSolver || d.Maker.Train != 3 || d.Maker.Valid != 4 || d.Maker.Model != "gpt-4.1" {
		t.Errorf("dispatcher min %d unknown %q maker %+v", d.MinExamples, d.Unknown, d.Maker)
	}
}

func TestToolRefs(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	e := open(t, testConfig(t, srv))
	ctx := context.Background()
	for range 2 {
		if err := e.Store().SaveTool(ctx, &tool.Tool{Name: "echo", Source: "def echo(x):\n    return x\n", Entry: "echo"}); err != nil {
			t.Fatal(err)
		}
	}
	if tl, err := e.Tool(ctx, "echo"); err != nil || tl.Version != 2 {
		t.Errorf("echo: %+v, %v; want the newest version", tl, err)
	}
	if tl, err := e.Tool(ctx, "echo@1"); err != nil || tl.Version != 1 {
		t.Errorf("echo@1: %+v, %v", tl, err)
	}
	var ue *UsageError
	if _, err := e.Tool(ctx, "bad name!"); !errors.As(err, &ue) {
		t.Errorf("bad ref: %v, want a *UsageError", err)
	}
	if _, err := e.Tool(ctx, "nope"); !errors.Is(err, library.ErrNotFound) {
		t.Errorf("missing tool: %v, want library.ErrNotFound", err)
	}
}

// TestReadsNeedNoModel: runs, batches and cost come from the store alone;
// an engine with no API key and no reachable endpoint serves them.
func TestReadsNeedNoModel(t *testing.T) {
	t.Parallel()
	cfg := Defaults()
	cfg.DB = filepath.Join(t.TempDir(), "latm.db")
	cfg.BaseURL = "http://127.0.0.1:1/v1" // nothing listens there
	cfg.Getenv = func(string) string { return "" }
	cfg.Runtime = starlarkrt.Options{Isolation: starlarkrt.InProcess}
	e := open(t, cfg)
	ctx := context.Background()
	st := e.Store()
	for _, r := range []*tool.Run{
		{Batch: "b1", InputID: "q1", Question: "Sort: b a", ToolName: "sorter", ToolVersion: 1, Answer: "a b", OK: true},
		{Batch: "b1", InputID: "q2", Question: "Sort: ?", ToolName: "sorter", ToolVersion: 1, Error: "undefined: g"},
	} {
		if err := st.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordCall(ctx, &tool.ModelCall{Role: "maker", Model: "m", TokensIn: 10, TokensOut: 2, Cost: 0.5, Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	runs, err := e.Runs(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || !runs["q1"].OK || runs["q1"].Answer != "a b" || runs["q2"].OK {
		t.Errorf("runs of b1 = %+v, want q1 answered and q2 failed", runs)
	}
	bs, err := e.Batches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Batch != "b1" || bs[0].Runs != 2 || bs[0].OK != 1 || bs[0].Failed != 1 {
		t.Errorf("batches = %+v, want b1 with one run ok and one failed", bs)
	}
	rows, err := e.Cost(ctx, "role")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Key != "maker" || rows[0].Calls != 1 || rows[0].Cost != 0.5 {
		t.Errorf("cost by role = %+v, want the one maker call", rows)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
)

func runCost(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"--db", db, "cost"}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// recordCalls makes two user calls (one a cache hit) and one maker call
// through a real client against the fake server, and returns the database.
func recordCalls(t *testing.T) string {
	t.Helper()
	toolsEnv(t)
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{Model: "small"}, fakeopenai.Reply{Content: "f(1)", PromptTokens: 1000, OutTokens: 250})
	srv.Script(fakeopenai.Match{Model: "big"}, fakeopenai.Reply{Content: "def f(x): return x", PromptTokens: 2000, OutTokens: 500})
	app := llmApp(t, srv, nil)
	c, err := app.LLM()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, req := range []llm.Request{
		{Role: llm.User, Tool: "f", Messages: []llm.Message{{Role: "user", Content: "q"}}},
		{Role: llm.User, Tool: "f", Messages: []llm.Message{{Role: "user", Content: "q"}}},
		{Role: llm.Maker, Messages: []llm.Message{{Role: "user", Content: "make f"}}},
	} {
		if _, err := c.Chat(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	return app.Cfg.DB
}

func TestCostTable(t *testing.T) {
	db := recordCalls(t)
	code, out, errOut := runCost(t, db)
	if code != 0 {
		t.Fatalf("latm cost: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, two roles and a total:\n%s", out)
	}
	// Prices are 2 in and 8 out per million tokens.
	for i, want := range [][]string{
		{"ROLE", "CALLS", "CACHE HITS", "TOKENS IN", "TOKENS OUT", "COST"},
		{"maker", "1", "0", "2000", "500", "0.0080"},
		{"user", "2", "1", "1000", "250", "0.0040"},
		{"total", "3", "1", "3000", "750", "0.0120"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	code, out, _ = runCost(t, db, "--by", "tool")
	if code != 0 || !strings.Contains(out, "(none)") || !strings.Contains(out, "TOOL") {
		t.Errorf("--by tool: exit %d\n%s", code, out)
	}
}

func TestCostJSON(t *testing.T) {
	db := recordCalls(t)
	code, out, errOut := runCost(t, db, "--by", "model", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep costReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.By != "model" || len(rep.Rows) != 2 || rep.Rows[0].Key != "big" || rep.Total.Calls != 3 || rep.Total.CacheHits != 1 {
		t.Errorf("report = %+v", rep)
	}
	if math.Abs(rep.Total.Cost-0.012) > 1e-9 {
		t.Errorf("total cost = %v, want 0.012", rep.Total.Cost)
	}
}

func TestCostErrorsAndEmpty(t *testing.T) {
	db := toolsEnv(t)
	code, _, errOut := runCost(t, db, "--by", "week")
	if code != ExitUsage || !strings.Contains(errOut, `"week"`) || !strings.Contains(errOut, "role, model, tool or day") {
		t.Errorf("--by week: exit %d: %s", code, errOut)
	}
	code, out, _ := runCost(t, db)
	if code != 0 || !strings.Contains(out, "no model calls") {
		t.Errorf("empty ledger: exit %d: %s", code, out)
	}
	code, out, _ = runCost(t, db, "--json")
	if code != 0 || !strings.Contains(out, `"rows": []`) {
		t.Errorf("empty ledger JSON: exit %d: %s", code, out)
	}
}

func TestCostMarksEstimatedTokens(t *testing.T) {
	toolsEnv(t)
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "12345678", NoUsage: true})
	app := llmApp(t, srv, nil)
	c, err := app.LLM()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), llm.Request{Role: llm.User, Messages: []llm.Message{{Role: "user", Content: "abcdefgh"}}}); err != nil {
		t.Fatal(err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCost(t, app.Cfg.DB)
	if code != 0 || !strings.Contains(out, "* includes 1 calls whose server sent no token usage") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	code, out, _ = runCost(t, app.Cfg.DB, "--json")
	if code != 0 || !strings.Contains(out, `"estimated": 1`) {
		t.Fatalf("json: %s", out)
	}
}

func TestCostSavings(t *testing.T) {
	db := recordCalls(t)
	code, out, errOut := runCost(t, db, "--savings")
	if code != 0 || !strings.Contains(out, "no solved instances") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = runCost(t, db, "--savings", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep savingsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// One user call recorded and no direct answer: the estimate says so.
	if rep.Direct.TokensIn != 1000 || !strings.Contains(rep.Direct.Basis, "user model") {
		t.Fatalf("direct estimate %+v", rep.Direct)
	}
}

func TestCostSavingsGateway(t *testing.T) {
	toolsEnv(t)
	db := filepath.Join(t.TempDir(), "latm.db")
	store, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []tool.GatewayRequest{
		{Tenant: "acme", Served: tool.ServedUpstream, UpstreamCost: 0.02},
		{Tenant: "acme", Served: tool.ServedTool, Tool: "sums@1", UpstreamCost: 0.02, Estimated: true, LatmCost: 0.001},
		{Tenant: "acme", Served: tool.ServedSpot, Tool: "sums@1", UpstreamCost: 0.02, Agreed: &[]bool{true}[0]},
		{Tenant: "globex", Served: tool.ServedPassthrough, UpstreamCost: 0.5},
	} {
		if err := store.RecordGatewayRequest(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	code, out, errOut := runCost(t, db, "--savings")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"gateway: 4 requests, 1 answered by tools with no upstream call (1 upstream calls saved, 3 made)",
		"WOULD HAVE COST", "ESTIMATED*",
		"acme    3         1        2               0.0600           0.0410  0.0190  1 (0.0200)  1/1",
		"globex  1         0        1               0.5000           0.5000  0.0000  0 (0.0000)  -",
		"(all)   4", "* estimated:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("savings report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no solved instances") {
		t.Errorf("gateway traffic reported as nothing:\n%s", out)
	}
	code, out, errOut = runCost(t, db, "--savings", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep savingsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Gateway.Requests != 4 || rep.Gateway.UpstreamSaved != 1 || rep.Gateway.Estimated != 1 || len(rep.GatewayTenants) != 2 ||
		rep.GatewayTenants[0].Tenant != "acme" || math.Abs(rep.GatewayTenants[0].Spent-0.041) > 1e-9 {
		t.Fatalf("JSON gateway part: %+v %+v", rep.Gateway, rep.GatewayTenants)
	}
}

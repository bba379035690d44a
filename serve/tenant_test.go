package serve

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latm/latm/tool"
)

// ownedEngine gives tools their tenant by name, as the store does for tools
// learned from gateway traffic.
type ownedEngine struct {
	*Local
	owners map[string]string
}

func (o ownedEngine) own(t *tool.Tool) *tool.Tool {
	if who := o.owners[t.Name]; who != "" {
		cp := *t
		cp.Tenant = who
		return &cp
	}
	return t
}

func (o ownedEngine) ownAll(ts []*tool.Tool, err error) ([]*tool.Tool, error) {
	for i := range ts {
		ts[i] = o.own(ts[i])
	}
	return ts, err
}

func (o ownedEngine) Tools(ctx context.Context, all bool) ([]*tool.Tool, error) {
	return o.ownAll(o.Local.Tools(ctx, all))
}

func (o ownedEngine) ToolVersions(ctx context.Context, name string) ([]*tool.Tool, error) {
	return o.ownAll(o.Local.ToolVersions(ctx, name))
}

func (o ownedEngine) Tool(ctx context.Context, name string, version int) (*tool.Tool, error) {
	t, err := o.Local.Tool(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return o.own(t), nil
}

// secretQuestion is acme's data: it is in word_sorting's usage examples
// and in a run of it, and must never reach another tenant.
const secretQuestion = "oven costume bread"

// tenants is a server where word_sorting belongs to acme (live, after a
// shadow phase) and spin to the operator, with three tokens: acme,
// globex and ops (an operator).
type tenants struct {
	e                  *env
	url                string
	acme, globex, opsT string
}

// serveTenants starts a server over eng with o, tokens required (the
// env's store keeps them and the batches), and returns it with the tokens
// of acme, globex and ops (an operator).
func serveTenants(t *testing.T, e *env, eng Engine, o Options) *tenants {
	t.Helper()
	ts := &tenants{e: e, acme: e.token("acme", 0), globex: e.token("globex", 0), opsT: e.token("ops", 0)}
	o.RequireTokens, o.Tokens, o.Batches, o.Operators = true, e.store, e.store, []string{"ops"}
	srv := New(eng, o)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Close() })
	ts.url = h.URL
	return ts
}

func newTenants(t *testing.T, share bool) *tenants {
	t.Helper()
	e := newEnv(t, Options{})
	e.save(sortTool(), spinTool())
	ctx := context.Background()
	for _, c := range []tool.PhaseChange{
		{Tool: "word_sorting", Version: 1, Tenant: "acme", To: tool.PhaseShadow, Reason: "made from 6 labelled requests", At: time.Now().Add(-time.Hour)},
		{Tool: "word_sorting", Version: 1, Tenant: "acme", From: tool.PhaseShadow, To: tool.PhaseLive, Agreed: 20, Compared: 20, Reason: "20 of 20 agreed (100% >= 95%)"},
	} {
		if err := e.store.RecordPhaseChange(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	ts := serveTenants(t, e, ownedEngine{Local: e.local, owners: map[string]string{"word_sorting": "acme"}},
		Options{GatewayRecords: e.store, ShareTools: share})
	// acme's own traffic leaves a run of its tool.
	if code, body := ts.get(t, "POST", "/v1/solve", ts.acme, `{"question":"Sort the following words alphabetically: List: `+secretQuestion+`","tool":"word_sorting"}`); code != 200 {
		t.Fatalf("acme's solve: %d %s", code, body)
	}
	return ts
}

func (ts *tenants) get(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func mcpSession(t *testing.T, url, token string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: url + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{token, http.DefaultTransport}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestTenantNeverSeesAnotherTenantsTool(t *testing.T) {
	t.Parallel()
	ts := newTenants(t, false)
	// Everything globex can read: none of it names acme's tool or data.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/tools", ""},
		{"GET", "/v1/tools?all=true", ""},
		{"GET", "/v1/tools/word_sorting", ""},
		{"GET", "/v1/tools/word_sorting@1", ""},
		{"GET", "/v1/tools/word_sorting/package", ""},
		{"POST", "/v1/tools/word_sorting/call", `{"args":[["b","a"]]}`},
		{"POST", "/v1/tools/word_sorting/retire", ""},
		{"POST", "/v1/solve", `{"question":"Sort the following words alphabetically: List: b a","tool":"word_sorting@1"}`},
		{"POST", "/v1/batches?tool=word_sorting", `{"id":"1","question":"Sort the following words alphabetically: List: b a"}`},
		{"GET", "/v1/search?q=Sort+the+following+words+alphabetically", ""},
		{"GET", "/v1/runs", ""},
		{"GET", "/v1/runs?tool=word_sorting", ""},
		{"GET", "/", ""},
		{"GET", "/ui/tools/word_sorting", ""},
	} {
		code, body := ts.get(t, c.method, c.path, ts.globex, c.body)
		named := strings.Contains(c.path+c.body, "word_sorting") // a 404 may echo the name asked for
		if strings.Contains(body, secretQuestion) || !named && strings.Contains(body, "word_sorting") {
			t.Errorf("globex %s %s (%d) shows acme's tool: %s", c.method, c.path, code, body)
		}
		if named && !strings.HasPrefix(c.path, "/v1/runs") && code != http.StatusNotFound { // runs of it: none, as of a missing tool
			t.Errorf("globex %s %s = %d, want 404 as for a missing tool: %s", c.method, c.path, code, body)
		}
	}
	if code, body := ts.get(t, "GET", "/v1/tools", ts.globex, ""); code != 200 || !strings.Contains(body, `"spin"`) {
		t.Errorf("globex's listing lacks the operator's tool: %d %s", code, body)
	}
	// The owner and the operator see it whole.
	for _, tok := range []string{ts.acme, ts.opsT} {
		code, body := ts.get(t, "GET", "/v1/tools/word_sorting", tok, "")
		if code != 200 || !strings.Contains(body, secretQuestion) || !strings.Contains(body, `"tenant":"acme"`) {
			t.Errorf("owner/operator detail: %d %s", code, body)
		}
		if _, runs := ts.get(t, "GET", "/v1/runs", tok, ""); !strings.Contains(runs, secretQuestion) {
			t.Errorf("owner/operator runs lack acme's run: %s", runs)
		}
	}

	// Over MCP: globex's list and search leave it out, and it cannot be called.
	g := mcpSession(t, ts.url, ts.globex)
	if names := toolNames(t, g); slices.Contains(names, "word_sorting") || !slices.Contains(names, "spin") {
		t.Errorf("globex's MCP tools = %v", names)
	}
	res, err := g.CallTool(t.Context(), &mcp.CallToolParams{Name: "search_tools", Arguments: map[string]any{"query": "Sort the following words alphabetically"}})
	if err != nil || strings.Contains(mustJSON(t, res), "word_sorting") {
		t.Errorf("globex's MCP search: %v %s", err, mustJSON(t, res))
	}
	if res, err := g.CallTool(t.Context(), &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"words": []string{"b", "a"}}}); err == nil && !res.IsError {
		t.Errorf("globex called acme's tool over MCP: %s", mustJSON(t, res))
	}
	a := mcpSession(t, ts.url, ts.acme)
	if names := toolNames(t, a); !slices.Contains(names, "word_sorting") {
		t.Errorf("acme's MCP tools = %v, want its own tool", names)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSharedToolsComeWithoutTheirOwnersData(t *testing.T) {
	t.Parallel()
	ts := newTenants(t, true)
	code, body := ts.get(t, "GET", "/v1/tools/word_sorting", ts.globex, "")
	if code != 200 {
		t.Fatalf("shared detail: %d %s", code, body)
	}
	var d toolDetail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if !d.Shared || d.Tenant != "" || len(d.Usage) != 0 || len(d.Validation) != 0 || d.Examples != 0 || d.Phase != tool.PhaseLive {
		t.Errorf("shared detail = %+v, want shared, live, no tenant and no examples", d.toolSummary)
	}
	for _, p := range d.Phases {
		if p.Tenant != "" {
			t.Errorf("shared phase history names the owner: %+v", p)
		}
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/tools/word_sorting", ""},
		{"GET", "/v1/tools", ""},
		{"GET", "/v1/runs", ""},
		{"GET", "/ui/tools/word_sorting", ""},
		{"GET", "/", ""},
	} {
		if _, body := ts.get(t, c.method, c.path, ts.globex, c.body); strings.Contains(body, secretQuestion) || strings.Contains(body, "acme") {
			t.Errorf("globex %s %s shows acme's data: %s", c.method, c.path, body)
		}
	}
	// The index covers usage questions: a hit would tell globex what acme asked.
	if _, body := ts.get(t, "GET", "/v1/search?q=oven+costume+bread", ts.globex, ""); strings.Contains(body, "word_sorting") {
		t.Errorf("globex's search finds acme's shared tool by acme's question: %s", body)
	}
	if _, body := ts.get(t, "GET", "/v1/search?q=oven+costume+bread", ts.acme, ""); !strings.Contains(body, "word_sorting") {
		t.Errorf("acme's search misses its own tool: %s", body)
	}
	if code, _ := ts.get(t, "GET", "/v1/tools/word_sorting/package", ts.globex, ""); code != http.StatusForbidden {
		t.Errorf("shared package export = %d, want 403", code)
	}
	if code, _ := ts.get(t, "POST", "/v1/tools/word_sorting/retire", ts.globex, ""); code != http.StatusForbidden {
		t.Errorf("shared retire = %d, want 403", code)
	}
	if code, body := ts.get(t, "POST", "/v1/tools/word_sorting/call", ts.globex, `{"args":[["b","a"]]}`); code != 200 || !strings.Contains(body, `"a b"`) {
		t.Errorf("shared call = %d %s, want the tool's answer", code, body)
	}
	g := mcpSession(t, ts.url, ts.globex)
	res, err := g.CallTool(t.Context(), &mcp.CallToolParams{Name: "search_tools", Arguments: map[string]any{"query": secretQuestion}})
	if err != nil || strings.Contains(mustJSON(t, res), "word_sorting") {
		t.Errorf("globex's MCP search finds acme's shared tool: %v %s", err, mustJSON(t, res))
	}
	tools, err := g.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if s := mustJSON(t, tl); strings.Contains(s, secretQuestion) {
			t.Errorf("globex's MCP listing of %s holds acme's example: %s", tl.Name, s)
		}
	}
}

func TestToolViewsShowPhases(t *testing.T) {
	t.Parallel()
	ts := newTenants(t, false)
	code, body := ts.get(t, "GET", "/v1/tools", ts.acme, "")
	if code != 200 {
		t.Fatal(code, body)
	}
	var list struct{ Tools []toolSummary }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	phases := map[string]tool.Phase{}
	for _, s := range list.Tools {
		phases[s.Name] = s.Phase
	}
	if phases["word_sorting"] != tool.PhaseLive || phases["spin"] != "" {
		t.Errorf("phases in the listing = %v, want word_sorting live and spin none", phases)
	}
	_, body = ts.get(t, "GET", "/v1/tools/word_sorting", ts.acme, "")
	var d toolDetail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Phases) != 2 || d.Phases[0].To != tool.PhaseShadow || d.Phases[1].From != tool.PhaseShadow || d.Phases[1].To != tool.PhaseLive ||
		d.Phases[1].Agreed != 20 || d.Phases[1].Reason != "20 of 20 agreed (100% >= 95%)" {
		t.Errorf("phase history = %+v", d.Phases)
	}
	_, page := ts.get(t, "GET", "/ui/tools/word_sorting", ts.acme, "")
	for _, want := range []string{`class="phase live"`, "20 of 20 agreed (100% &gt;= 95%)", "shadow → live"} {
		if !strings.Contains(page, want) {
			t.Errorf("tool page lacks %q", want)
		}
	}
}

func TestSavingsPerTenant(t *testing.T) {
	t.Parallel()
	ts := newTenants(t, false)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, r := range []tool.GatewayRequest{
		{Tenant: "acme", Served: tool.ServedUpstream, UpstreamCost: 0.02, At: at},
		{Tenant: "acme", Served: tool.ServedTool, Tool: "word_sorting@1", UpstreamCost: 0.02, Estimated: true, At: at.Add(24 * time.Hour)},
		{Tenant: "acme", Served: tool.ServedTool, Tool: "word_sorting@1", UpstreamCost: 0.02, Estimated: true, LatmCost: 0.001, At: at.Add(25 * time.Hour)},
		{Tenant: "globex", Served: tool.ServedPassthrough, UpstreamCost: 0.5, At: at},
	} {
		if err := ts.e.store.RecordGatewayRequest(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	read := func(token, query string, want int) savingsView {
		t.Helper()
		code, body := ts.get(t, "GET", "/v1/savings"+query, token, "")
		if code != want {
			t.Fatalf("savings%s: %d, want %d: %s", query, code, want, body)
		}
		var v savingsView
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	acme := read(ts.acme, "", 200)
	if acme.Tenant != "acme" || acme.Requests != 3 || acme.UpstreamSaved != 2 || acme.Estimated != 2 ||
		!near(acme.WouldHaveCost, 0.06) || !near(acme.Spent, 0.021) || len(acme.Daily) != 2 || acme.Tenants != nil {
		t.Errorf("acme's savings = %+v", acme)
	}
	read(ts.acme, "?tenant=globex", http.StatusForbidden)
	if own := read(ts.acme, "?tenant=acme", 200); own.Requests != 3 {
		t.Errorf("acme ?tenant=acme = %+v", own)
	}
	all := read(ts.opsT, "", 200)
	if all.Requests != 4 || !near(all.WouldHaveCost, 0.56) || strings.Join(all.Tenants, ",") != "acme,globex" {
		t.Errorf("the operator's savings = %+v", all)
	}
	if g := read(ts.opsT, "?tenant=globex", 200); g.Requests != 1 || g.Tenant != "globex" {
		t.Errorf("the operator's view of globex = %+v", g)
	}
	if none := read(ts.globex, "", 200); none.Requests != 1 || none.UpstreamSaved != 0 {
		t.Errorf("globex's savings = %+v", none)
	}
	// The operator's console has a row per tenant, and one tenant's view.
	_, page := ts.get(t, "GET", "/", ts.opsT, "")
	if !strings.Contains(page, `id="gateway-tenants"`) || strings.Count(page, `class="gateway-tenant"`) != 2 || !strings.Contains(page, "2 of 4 requests") {
		t.Errorf("the operator's console lacks the per-tenant table: %s", page)
	}
	if _, page := ts.get(t, "GET", "/?tenant=globex", ts.opsT, ""); !strings.Contains(page, "Gateway (globex)") || strings.Contains(page, `id="gateway-tenants"`) {
		t.Errorf("the operator's view of globex: %s", page)
	}
	// The console's chart shows the caller's own days.
	_, page = ts.get(t, "GET", "/", ts.acme, "")
	if !strings.Contains(page, `id="gateway-chart"`) || strings.Count(page, `class="bar bytool"`) != 2 || !strings.Contains(page, "2 of 3 requests") {
		t.Errorf("acme's console lacks its gateway chart: %s", page)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

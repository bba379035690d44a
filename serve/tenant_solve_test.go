package serve

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/latm/latm/tool"
)

// A question that names no tool is routed within its caller's tenant: to
// the operator's tools and the tenant's own, never another tenant's (unless
// tools are shared), and when no tool fits it is pooled as the caller's.
// A tenant sees and labels only its own pooled questions, in the API and
// the console; the operator sees every tenant's.
func TestSolveAndPendingStayWithinTheTenant(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{false, true} {
		e := newEnv(t, Options{})
		ws := sortTool()
		ws.Tenant = "acme"
		e.save(ws, spinTool())
		ts := serveTenants(t, e, e.local, Options{GatewayRecords: e.store, ShareTools: share})

		solve := func(token, q string) SolveResult {
			t.Helper()
			code, body := ts.get(t, "POST", "/v1/solve", token, mustJSON(t, map[string]string{"question": q}))
			if code != 200 {
				t.Fatalf("solve %q: %d %s", q, code, body)
			}
			var res SolveResult
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				t.Fatal(err)
			}
			return res
		}
		sortQ := "Sort the following words alphabetically: List: kiwi banana cherry"
		if res := solve(ts.acme, sortQ); res.Tool != "word_sorting@1" || res.Answer != "banana cherry kiwi" {
			t.Fatalf("share=%v: acme's question routed to %q (%+v), want its own word_sorting@1", share, res.Tool, res)
		}
		res := solve(ts.globex, "Sort the following words alphabetically: List: yak xenon wolf")
		switch {
		case share && res.Tool != "word_sorting@1":
			t.Errorf("share=true: globex's question routed to %q, want the shared word_sorting@1", res.Tool)
		case !share && res.Tool != "":
			t.Errorf("share=false: globex's question routed to acme's %q", res.Tool)
		}
		acmeQ := "What is six times seven, in the answer format of the almanac?"
		globexQ := "What is six times seven for globex, in the answer format of the almanac?"
		if r := solve(ts.acme, acmeQ); r.Status != "pending" {
			t.Fatalf("acme's unknown question: %+v", r)
		}
		if r := solve(ts.globex, globexQ); r.Status != "pending" {
			t.Fatalf("globex's unknown question: %+v", r)
		}
		pending := func(token string) []pendingView {
			t.Helper()
			code, body := ts.get(t, "GET", "/v1/pending", token, "")
			if code != 200 {
				t.Fatalf("pending: %d %s", code, body)
			}
			var p struct{ Pending []pendingView }
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			return p.Pending
		}
		has := func(ps []pendingView, q string) string {
			for _, p := range ps {
				if p.Question == q {
					return p.ID
				}
			}
			return ""
		}
		ap, gp, op := pending(ts.acme), pending(ts.globex), pending(ts.opsT)
		acmeID := has(ap, acmeQ)
		if acmeID == "" || has(ap, globexQ) != "" {
			t.Errorf("share=%v: acme's pending %+v, want its own question only", share, ap)
		}
		if has(gp, globexQ) == "" || has(gp, acmeQ) != "" {
			t.Errorf("share=%v: globex's pending %+v, want its own question only", share, gp)
		}
		if has(op, acmeQ) == "" || has(op, globexQ) == "" {
			t.Errorf("share=%v: the operator's pending %+v, want both tenants'", share, op)
		}
		if code, body := ts.get(t, "POST", "/v1/pending/"+acmeID+"/label", ts.globex, `{"answer":"41"}`); code != 404 {
			t.Errorf("globex labels acme's instance: %d %s, want 404", code, body)
		}
		if code, body := ts.get(t, "POST", "/v1/pending/"+acmeID+"/label", ts.acme, `{"answer":"42"}`); code != 200 {
			t.Errorf("acme labels its own instance: %d %s", code, body)
		}
		code, page := ts.get(t, "GET", "/ui/pending", ts.globex, "")
		if code != 200 || strings.Contains(page, "almanac?") && !strings.Contains(page, "for globex") || strings.Contains(page, "seven, in the answer") {
			t.Errorf("share=%v: globex's console pending page (%d) shows acme's question or not its own:\n%s", share, code, page)
		}
		if _, page := ts.get(t, "GET", "/ui/pending", ts.opsT, ""); !strings.Contains(page, "seven, in the answer") || !strings.Contains(page, "for globex") {
			t.Errorf("share=%v: the operator's console pending page lacks a tenant's question", share)
		}
	}
}

// A tool imported while tenants' questions are being routed reaches them
// at once, not when their routers' indexes next expire.
func TestAnImportedToolReachesEveryTenantAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ts := serveTenants(t, e, e.local, Options{})
	solve := func(token, q string) SolveResult {
		t.Helper()
		code, body := ts.get(t, "POST", "/v1/solve", token, mustJSON(t, map[string]string{"question": q}))
		var res SolveResult
		if code != 200 || json.Unmarshal([]byte(body), &res) != nil {
			t.Fatalf("solve %q: %d %s", q, code, body)
		}
		return res
	}
	// Both routers built their index on an empty library.
	for _, token := range []string{ts.acme, ts.opsT} {
		if res := solve(token, "Sort the following words alphabetically: List: yak xenon wolf"); res.Status != "pending" {
			t.Fatalf("before the import: %+v, want pending", res)
		}
	}
	pkg, err := tool.EncodePackage(sortTool())
	if err != nil {
		t.Fatal(err)
	}
	if code, body := ts.get(t, "POST", "/v1/packages", ts.opsT, string(pkg)); code != 201 {
		t.Fatalf("import: %d %s", code, body)
	}
	for _, token := range []string{ts.acme, ts.opsT} {
		if res := solve(token, "Sort the following words alphabetically: List: kiwi banana cherry"); res.Tool != "word_sorting@1" || res.Answer != "banana cherry kiwi" {
			t.Errorf("right after the import: %+v, want word_sorting@1", res)
		}
	}
}

package serve

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// memPool is a SharedPool in memory.
type memPool struct {
	mu sync.Mutex
	ps []*tool.Pending
}

func (m *memPool) Pending(context.Context) ([]*tool.Pending, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*tool.Pending, len(m.ps))
	for i, p := range m.ps {
		c := *p
		out[i] = &c
	}
	return out, nil
}

func (m *memPool) Label(_ context.Context, id, answer string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.ps {
		if p.InstanceID == id {
			p.Label, p.LabelSource = answer, "human"
			return nil
		}
	}
	return library.ErrNotFound
}

// With batches queued to workers, the pending views show the workers'
// shared pool beside the server's own, each caller its own instances (the
// operator every tenant's, with whose they are), and a label reaches the
// pool that holds the instance.
func TestPendingViewsShowTheWorkersPool(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	pool := &memPool{ps: []*tool.Pending{
		{InstanceID: "batch-a:q1", Question: "What is six times seven, queued by acme?", Group: 1, Tenant: "acme"},
		{InstanceID: "batch-g:q1", Question: "What is six times seven, queued by globex?", Group: 2, Tenant: "globex"},
	}}
	ts := serveTenants(t, e, e.local, Options{BatchQueue: &queued{}, SharedPool: pool})
	// acme's own question, routed by this server, waits in its own pool.
	if code, body := ts.get(t, "POST", "/v1/solve", ts.acme, `{"question": "What is six times seven, asked of the server?"}`); code != 200 || !strings.Contains(body, `"status":"pending"`) {
		t.Fatalf("acme's question: %d %s", code, body)
	}
	pending := func(token string) map[string]pendingView {
		t.Helper()
		code, body := ts.get(t, "GET", "/v1/pending", token, "")
		var p struct{ Pending []pendingView }
		if code != 200 || json.Unmarshal([]byte(body), &p) != nil {
			t.Fatalf("pending: %d %s", code, body)
		}
		out := map[string]pendingView{}
		for _, v := range p.Pending {
			out[v.Question] = v
		}
		return out
	}
	acme, ops := pending(ts.acme), pending(ts.opsT)
	if len(acme) != 2 || acme["What is six times seven, queued by acme?"].Pool != "workers" || acme["What is six times seven, asked of the server?"].Pool != "" {
		t.Errorf("acme's pending %+v, want its queued question (pool workers) and its own", acme)
	}
	for _, v := range acme {
		if v.Tenant != "" {
			t.Errorf("acme is shown the tenant of %+v", v)
		}
	}
	if len(ops) != 3 || ops["What is six times seven, queued by globex?"].Tenant != "globex" || ops["What is six times seven, queued by globex?"].Pool != "workers" {
		t.Errorf("the operator's pending %+v, want all three, with their tenants", ops)
	}
	// A label reaches the pool that holds the instance; another tenant's
	// is not found.
	if code, body := ts.get(t, "POST", "/v1/pending/batch-a:q1/label", ts.acme, `{"answer": "42"}`); code != 200 {
		t.Errorf("acme labels its queued question: %d %s", code, body)
	}
	if code, body := ts.get(t, "POST", "/v1/pending/batch-g:q1/label", ts.acme, `{"answer": "41"}`); code != 404 {
		t.Errorf("acme labels globex's queued question: %d %s, want 404", code, body)
	}
	own := acme["What is six times seven, asked of the server?"].ID
	if code, body := ts.get(t, "POST", "/v1/pending/"+own+"/label", ts.acme, `{"answer": "42"}`); code != 200 {
		t.Errorf("acme labels its own question: %d %s", code, body)
	}
	if ps, _ := pool.Pending(ctx); ps[0].Label != "42" || ps[1].Label != "" {
		t.Errorf("the shared pool after the labels: %+v %+v", ps[0], ps[1])
	}
	if ps, _ := e.store.PendingInstances(ctx, -1); len(ps) != 1 || ps[0].Label != "42" {
		t.Errorf("the server's pool after the labels: %+v", ps)
	}
	// The console shows the workers' groups apart from the server's.
	code, page := ts.get(t, "GET", "/ui/pending", ts.opsT, "")
	if code != 200 || strings.Count(page, "Workers' group") != 2 || !strings.Contains(page, "queued by globex") {
		t.Errorf("the operator's console pending page (%d) does not show the workers' two groups:\n%s", code, page)
	}
}

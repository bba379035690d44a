package serve

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// A batch that names no tool routes among the poster's tools only: another
// tenant's tool never answers it (unless shared), the same body posted by
// two tenants is two batches, and one tenant cannot read the other's.
func TestBatchesStayWithinTheTenant(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{false, true} {
		e := newEnv(t, Options{})
		ws := sortTool()
		ws.Tenant = "acme"
		e.save(ws)
		ts := serveTenants(t, e, e.local, Options{BatchWorkers: 1, ShareTools: share})

		body := `{"id": "q1", "question": "Sort the following words alphabetically: List: yak xenon wolf"}` + "\n"
		post := func(token string) string {
			t.Helper()
			code, out := ts.get(t, "POST", "/v1/batches", token, body)
			if code != 202 && code != 200 {
				t.Fatalf("post: %d %s", code, out)
			}
			var p struct{ ID string }
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		results := func(token, id string) (int, string) {
			t.Helper()
			return ts.get(t, "GET", "/v1/batches/"+id+"/results", token, "")
		}
		acmeID, globexID := post(ts.acme), post(ts.globex)
		if acmeID == globexID {
			t.Fatalf("share=%v: both tenants' batches are %s", share, acmeID)
		}
		code, out := results(ts.acme, acmeID)
		if code != 200 || !strings.Contains(out, `"tool":"word_sorting@1"`) || !strings.Contains(out, `"answer":"wolf xenon yak"`) {
			t.Fatalf("share=%v: acme's own batch: %d %s", share, code, out)
		}
		code, out = results(ts.globex, globexID)
		switch {
		case code != 200:
			t.Fatalf("share=%v: globex's batch: %d %s", share, code, out)
		case !share && strings.Contains(out, "word_sorting"):
			t.Errorf("share=false: globex's batch was answered by acme's tool: %s", out)
		case share && !strings.Contains(out, `"tool":"word_sorting@1"`):
			t.Errorf("share=true: globex's batch did not reach the shared tool: %s", out)
		}
		if code, out := results(ts.globex, acmeID); code != 404 {
			t.Errorf("share=%v: globex read acme's batch: %d %s", share, code, out)
		}
		if code, _ := results(ts.opsT, globexID); code != 200 {
			t.Errorf("share=%v: the operator cannot read globex's batch: %d", share, code)
		}
	}
}

// queued is a BatchQueue that answers every question "queued" and records
// each batch it was given.
type queued struct {
	mu      sync.Mutex
	batches []QueuedBatch
}

func (q *queued) SolveBatch(ctx context.Context, b QueuedBatch, items []QueuedItem, emit func(int, QueuedResult) error) error {
	q.mu.Lock()
	q.batches = append(q.batches, b)
	q.mu.Unlock()
	for i := range items {
		if err := emit(i, QueuedResult{Status: "solved", Answer: "queued", OK: true, Tool: b.Tool}); err != nil {
			return err
		}
	}
	return nil
}

// Over the queue a batch goes with its scope: a tenant's routes as the
// tenant's (and reaches other tenants' tools only with ShareTools), the
// operator's as the operator's, whether or not it names a tool.
func TestABatchGoesOverTheQueueWithItsTenant(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{false, true} {
		e := newEnv(t, Options{})
		ws := sortTool()
		ws.Tenant = "acme"
		e.save(ws)
		q := &queued{}
		ts := serveTenants(t, e, e.local, Options{BatchWorkers: 1, BatchQueue: q, ShareTools: share})
		body := `{"id": "q1", "question": "Sort the following words alphabetically: List: yak xenon wolf"}` + "\n"
		want := map[string]QueuedBatch{}
		for _, c := range []struct {
			token, path string
			want        QueuedBatch
		}{
			{ts.acme, "/v1/batches", QueuedBatch{Tenant: "acme", Share: share}},
			{ts.acme, "/v1/batches?tool=word_sorting", QueuedBatch{Tool: "word_sorting", Tenant: "acme", Share: share}},
			{ts.opsT, "/v1/batches", QueuedBatch{}},
		} {
			code, out := ts.get(t, "POST", c.path, c.token, body)
			var v struct{ ID string }
			if (code != 202 && code != 200) || json.Unmarshal([]byte(out), &v) != nil || v.ID == "" {
				t.Fatalf("share=%v: POST %s: %d %s, want it queued", share, c.path, code, out)
			}
			c.want.ID = v.ID
			want[v.ID] = c.want
			if code, out := ts.get(t, "GET", "/v1/batches/"+v.ID+"/results", c.token, ""); code != 200 || !strings.Contains(out, `"answer":"queued"`) {
				t.Fatalf("share=%v: batch %s: %d %s", share, v.ID, code, out)
			}
		}
		q.mu.Lock()
		got := q.batches
		q.mu.Unlock()
		if len(got) != len(want) {
			t.Fatalf("share=%v: the queue got %+v, want %d batches", share, got, len(want))
		}
		for _, b := range got {
			if b != want[b.ID] {
				t.Errorf("share=%v: the queue got %+v, want %+v", share, b, want[b.ID])
			}
		}
	}
}

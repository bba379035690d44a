package worker

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/tool"
)

func TestCollectorAppliesEachEventOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	st := openStore(t)
	call := func(key string, cost float64) Event {
		return Event{Key: key, Kind: EventCall, Batch: "b", Call: &Call{Role: "user", Model: "m", TokensIn: 10, Cost: cost, At: time.Now().UTC().Format(time.RFC3339Nano)}}
	}
	for _, ev := range []Event{call("k1", 1), call("k2", 2), call("k3", 4)} {
		if err := q.publishEventSync(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// k2 again under another message id: a republish the stream's
	// duplicate window does not catch.
	b, _ := json.Marshal(call("k2", 2))
	if _, err := q.JS.PublishMsg(ctx, &nats.Msg{Subject: eventSubject("b", EventCall), Data: b}, jetstream.WithMsgID("other")); err != nil {
		t.Fatal(err)
	}
	// A collector applies what it fetched and dies before acknowledging:
	// the events are delivered again (here at once, by a nak).
	c1, err := q.Collector(ctx, st, CollectOptions{Name: "file", Batch: "b"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c1.cons.Fetch(4, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if err := c1.apply(ctx, m.Data()); err != nil {
			t.Fatal(err)
		}
		_ = m.Nak()
		n++
	}
	if n != 4 {
		t.Fatalf("fetched %d events, want 4", n)
	}
	var again []string
	c2, err := q.Collector(ctx, st, CollectOptions{Name: "file", Batch: "b", Applied: func(ev Event) { again = append(again, ev.Key) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("the redelivered events %v were applied again", again)
	}
	rows, err := st.CostReport(ctx, "role")
	if err != nil || len(rows) != 1 || rows[0].Calls != 3 || rows[0].Cost != 7 {
		t.Errorf("ledger %+v (%v), want 3 calls costing 7: each event once", rows, err)
	}
	if info, err := c2.cons.Info(ctx); err != nil || info.NumAckPending != 0 || info.NumPending != 0 {
		t.Errorf("consumer after drain: %+v (%v), want nothing pending", info, err)
	}
}

// memEvents is an EventStore in memory.
type memEvents struct {
	keys  map[string]bool
	calls int
	runs  map[string]*tool.Run
}

func (m *memEvents) RecordCallOnce(_ context.Context, key string, _ *tool.ModelCall) (bool, error) {
	if m.keys[key] {
		return false, nil
	}
	m.keys[key] = true
	m.calls++
	return true, nil
}

func (m *memEvents) RecordRun(_ context.Context, r *tool.Run) error {
	m.runs[r.Batch+":"+r.InputID] = r
	return nil
}

func (m *memEvents) Runs(_ context.Context, batch string) (map[string]*tool.Run, error) {
	out := map[string]*tool.Run{}
	for _, r := range m.runs {
		if r.Batch == batch {
			out[r.InputID] = r
		}
	}
	return out, nil
}

func FuzzApplyEvent(f *testing.F) {
	for _, s := range []string{
		`{"key":"k","kind":"call","batch":"b","call":{"role":"user","model":"m","cost":1,"at":"2026-01-01T00:00:00Z"}}`,
		`{"key":"r","kind":"run","batch":"b","run":{"batch":"b","id":"1","question":"q","answer":"a","ok":true,"status":"pending"}}`,
		`{"key":"r","kind":"run","batch":"b","run":{"id":"1","tool":"sort@x","status":"solved"}}`,
		`{"key":"","kind":"call"}`, `{"kind":"run","run":null}`, `[]`, `{`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st := &memEvents{keys: map[string]bool{}, runs: map[string]*tool.Run{}}
		c := &Collector{st: st, final: map[string]map[string]bool{}}
		for range 2 { // a redelivery applies nothing more
			if err := c.apply(context.Background(), data); err != nil {
				t.Fatalf("apply %q: %v", data, err)
			}
		}
		if st.calls > 1 {
			t.Fatalf("one event recorded %d calls", st.calls)
		}
	})
}

// A collector killed after fetching events it never applied: the one that
// resumes its consumer applies them too, not only the events after them
// (with one acknowledgement per fetch, its own first acknowledgement
// covered them, and they were lost).
func TestCollectorResumedAfterAKilledFetchLosesNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	st := openStore(t)
	publish := func(keys ...string) {
		for _, k := range keys {
			ev := Event{Key: k, Kind: EventCall, Batch: "b", Call: &Call{Role: "user", Model: "m", TokensIn: 10, Cost: 1, At: time.Now().UTC().Format(time.RFC3339Nano)}}
			if err := q.publishEventSync(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish("k1", "k2")
	c1, err := q.Collector(ctx, st, CollectOptions{Name: "file", Batch: "b"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c1.cons.Fetch(2, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range batch.Messages() {
		n++ // fetched, neither applied nor acknowledged: the process dies here
	}
	if n != 2 {
		t.Fatalf("fetched %d events, want 2", n)
	}
	publish("k3", "k4")
	c2, err := q.Collector(ctx, st, CollectOptions{Name: "file", Batch: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, err := st.CostReport(ctx, "role"); err != nil || len(rows) != 1 || rows[0].Calls != 4 {
		t.Errorf("ledger %+v (%v), want the 4 calls", rows, err)
	}
}

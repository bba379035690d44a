package library

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/tool"
)

func TestRecordRunAndResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	runs := []*tool.Run{
		{Batch: "b1", InputID: "1", Question: "q1", ToolName: "t", ToolVersion: 1, Code: "ans = t()", RawResult: `"x"`, Answer: "x", OK: true, Latency: 1500 * time.Microsecond, CreatedAt: at},
		{Batch: "b1", InputID: "2", Question: "q2", ToolName: "t", ToolVersion: 1, Error: "limit exceeded: steps", CreatedAt: at},
		{Batch: "b2", InputID: "1", Question: "other batch", CreatedAt: at},
	}
	for _, r := range runs {
		if err := s.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Fatal("RecordRun did not set the ID")
		}
	}
	// Replacing input 2 of b1 (a retry that succeeded) keeps one row and its ID.
	retry := &tool.Run{Batch: "b1", InputID: "2", Question: "q2", ToolName: "t", ToolVersion: 2, Answer: "y", OK: true, CreatedAt: at}
	if err := s.RecordRun(ctx, retry); err != nil {
		t.Fatal(err)
	}
	if retry.ID != runs[1].ID {
		t.Fatalf("replacement got ID %d, want %d", retry.ID, runs[1].ID)
	}
	got, err := s.Runs(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*tool.Run{"1": runs[0], "2": retry}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Runs(b1) =\n%+v\n%+v\nwant\n%+v\n%+v", got["1"], got["2"], want["1"], want["2"])
	}
	if got, err := s.Runs(ctx, "none"); err != nil || len(got) != 0 {
		t.Fatalf("Runs(none) = %v, %v", got, err)
	}
}

func TestCostReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	day1 := time.Date(2026, 5, 1, 23, 0, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Hour)
	calls := []*tool.ModelCall{
		{Role: "maker", Model: "gpt-4", Tool: "sorter", TokensIn: 1000, TokensOut: 500, Cost: 0.06, Status: "ok", CreatedAt: day1},
		{Role: "user", Model: "gpt-3.5", Tool: "sorter", TokensIn: 100, TokensOut: 10, Cost: 0.001, Status: "ok", CreatedAt: day1},
		{Role: "user", Model: "gpt-3.5", Tool: "sorter", TokensIn: 100, TokensOut: 10, Cost: 0, CacheHit: true, Status: "ok", CreatedAt: day2},
		{Role: "dispatcher", Model: "gpt-3.5", TokensIn: 50, TokensOut: 5, Estimated: true, Cost: 0.0005, Latency: time.Second, Status: "error: 429", CreatedAt: day2},
	}
	for _, c := range calls {
		if err := s.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 {
			t.Fatal("RecordCall did not set the ID")
		}
	}
	tests := []struct {
		by   string
		want []CostRow
	}{
		{"role", []CostRow{
			{Key: "dispatcher", Calls: 1, TokensIn: 50, TokensOut: 5, Cost: 0.0005},
			{Key: "maker", Calls: 1, TokensIn: 1000, TokensOut: 500, Cost: 0.06},
			{Key: "user", Calls: 2, CacheHits: 1, TokensIn: 200, TokensOut: 20, Cost: 0.001},
		}},
		{"model", []CostRow{
			{Key: "gpt-3.5", Calls: 3, CacheHits: 1, TokensIn: 250, TokensOut: 25, Cost: 0.0015},
			{Key: "gpt-4", Calls: 1, TokensIn: 1000, TokensOut: 500, Cost: 0.06},
		}},
		{"tool", []CostRow{
			{Key: "", Calls: 1, TokensIn: 50, TokensOut: 5, Cost: 0.0005},
			{Key: "sorter", Calls: 3, CacheHits: 1, TokensIn: 1200, TokensOut: 520, Cost: 0.061},
		}},
		{"day", []CostRow{
			{Key: "2026-05-01", Calls: 2, TokensIn: 1100, TokensOut: 510, Cost: 0.061},
			{Key: "2026-05-02", Calls: 2, CacheHits: 1, TokensIn: 150, TokensOut: 15, Cost: 0.0005},
		}},
	}
	for _, tt := range tests {
		got, err := s.CostReport(ctx, tt.by)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("by %s: %+v, want %+v", tt.by, got, tt.want)
		}
		for i := range got {
			g, w := got[i], tt.want[i]
			if g.Key != w.Key || g.Calls != w.Calls || g.CacheHits != w.CacheHits || g.TokensIn != w.TokensIn ||
				g.TokensOut != w.TokensOut || g.Cost-w.Cost > 1e-12 || w.Cost-g.Cost > 1e-12 {
				t.Errorf("by %s row %d = %+v, want %+v", tt.by, i, g, w)
			}
		}
	}
	if _, err := s.CostReport(ctx, "week"); err == nil || !strings.Contains(err.Error(), "want role, model, tool or day") {
		t.Fatalf("CostReport(week) error = %v", err)
	}
	if rows, err := mustOpen(t).CostReport(ctx, "role"); err != nil || len(rows) != 0 {
		t.Fatalf("empty ledger: %v, %v", rows, err)
	}
}

func TestResponseCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	steps := []struct {
		put   bool
		key   string
		value []byte
		found bool
	}{
		{false, "k1", nil, false},
		{true, "k1", []byte(`{"choices":[]}`), true},
		{true, "k1", []byte("replaced"), true},
		{true, "k2", []byte{}, true},
		{true, "k3", []byte{0, 1, 2, 255}, true},
	}
	for i, st := range steps {
		if st.put {
			if err := s.CachePut(ctx, st.key, st.value); err != nil {
				t.Fatal(err)
			}
		}
		got, found, err := s.CacheGet(ctx, st.key)
		if err != nil {
			t.Fatal(err)
		}
		if found != st.found || string(got) != string(st.value) || (found && got == nil) {
			t.Errorf("step %d: CacheGet(%s) = %q, %v; want %q, %v", i, st.key, got, found, st.value, st.found)
		}
	}
}

func TestPendingPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	a := &tool.Pending{InstanceID: "a", Question: "qa"}
	b := &tool.Pending{InstanceID: "b", Question: "qb", Label: "yes", LabelSource: "input"}
	for _, p := range []*tool.Pending{a, b} {
		if err := s.AddPending(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.Status != tool.PendingOpen {
			t.Fatalf("AddPending set %+v", p)
		}
	}
	// Adding a again is a no-op that fills the argument from the store.
	again := &tool.Pending{InstanceID: "a", Question: "different text"}
	if err := s.AddPending(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again.ID != a.ID || again.Question != "qa" {
		t.Fatalf("re-add = %+v, want the stored %+v", again, a)
	}
	ids := func(group int64) []string {
		t.Helper()
		ps, err := s.PendingInstances(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.InstanceID)
		}
		return out
	}
	if err := s.SetPendingGroup(ctx, b.ID, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.LabelPending(ctx, "a", "no", "human"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		group int64
		want  []string
	}{{-1, []string{"a", "b"}}, {0, []string{"a"}}, {7, []string{"b"}}, {8, nil}}
	for _, tt := range tests {
		if got := ids(tt.group); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("PendingInstances(%d) = %v, want %v", tt.group, got, tt.want)
		}
	}
	ps, _ := s.PendingInstances(ctx, 0)
	if ps[0].Label != "no" || ps[0].LabelSource != "human" {
		t.Fatalf("label = %q from %q", ps[0].Label, ps[0].LabelSource)
	}
	if err := s.MarkPendingSolved(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := ids(-1); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("after solving a: %v", got)
	}
	// A solved instance may come back as a new pending one.
	back := &tool.Pending{InstanceID: "a", Question: "qa"}
	if err := s.AddPending(ctx, back); err != nil || back.ID == a.ID {
		t.Fatalf("re-add after solved: id %d (old %d), %v", back.ID, a.ID, err)
	}
	for _, err := range []error{
		s.SetPendingGroup(ctx, 999, 1), s.MarkPendingSolved(ctx, 999), s.LabelPending(ctx, "zzz", "x", "model"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("error = %v, want ErrNotFound", err)
		}
	}
	if err := s.LabelPending(ctx, "b", "x", "oracle"); err == nil || !strings.Contains(err.Error(), "want input, human, model or upstream") {
		t.Errorf("bad label source error = %v", err)
	}
	if err := s.AddPending(ctx, &tool.Pending{InstanceID: "c", LabelSource: "guess"}); err == nil {
		t.Error("AddPending accepted a bad label source")
	}
}

func TestRecordRoute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	routes := []*tool.Route{
		{Batch: "s", InputID: "1", Question: "q", Tool: "sorter", Stage: 1, Score: 3.5},
		{Batch: "s", InputID: "2", Question: "q", Tool: "", Stage: 2},
	}
	for _, r := range routes {
		if err := s.RecordRoute(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if routes[0].ID == 0 || routes[1].ID <= routes[0].ID || routes[0].CreatedAt.IsZero() {
		t.Fatalf("routes = %+v %+v", routes[0], routes[1])
	}
	var tl string
	var stage int
	var score float64
	if err := s.db.QueryRow(`SELECT tool, stage, score FROM routes WHERE id = ?`, routes[0].ID).Scan(&tl, &stage, &score); err != nil {
		t.Fatal(err)
	}
	if tl != "sorter" || stage != 1 || score != 3.5 {
		t.Fatalf("stored route = %s %d %v", tl, stage, score)
	}
	again := &tool.Route{Batch: "s", InputID: "1", Question: "q", Tool: "sorter@2", Stage: 2, Score: 0.3}
	if err := s.RecordRoute(ctx, again); err != nil {
		t.Fatal(err)
	}
	last, err := s.LastRoute(ctx, "s", "1")
	if err != nil || last.ID != again.ID || last.Tool != "sorter@2" || last.Stage != 2 || last.Question != "q" || last.CreatedAt.IsZero() {
		t.Fatalf("LastRoute = %+v, %v", last, err)
	}
	if _, err := s.LastRoute(ctx, "s", "9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing route: %v", err)
	}
}

func TestBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	for _, r := range []*tool.Run{
		{Batch: "a", InputID: "1", OK: true, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Batch: "a", InputID: "2", OK: false, Error: "x", CreatedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{Batch: "b", InputID: "1", OK: true, CreatedAt: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)},
	} {
		if err := s.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Batches(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Batches = %+v, %v", got, err)
	}
	if got[0].Batch != "b" || got[1].Batch != "a" || got[1].Runs != 2 || got[1].OK != 1 || got[1].Failed != 1 || !got[1].Last.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Batches = %+v", got)
	}
}

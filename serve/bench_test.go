package serve

import (
	"testing"
	"time"

	"github.com/latm/latm/starlarkrt"
)

// A short run of every scenario: no errors, the paths make the model calls
// they should.
func TestBench(t *testing.T) {
	t.Parallel()
	rs, err := Bench(t.Context(), BenchOptions{Duration: 20 * time.Second, Requests: 60, Concurrency: 4, Isolation: starlarkrt.InProcess, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Errors != 0 || r.Requests == 0 || r.P99 < r.P50 {
			t.Errorf("%s: %+v", r.Scenario, r)
		}
	}
	if rs[0].ModelCalls != 0 || rs[1].ModelCalls != 0 {
		t.Errorf("direct calls made %d model calls, no-model solves %d; want none", rs[0].ModelCalls, rs[1].ModelCalls)
	}
	// Each finished request made one call; a request cut off at the
	// deadline (at most one per client) may have made one too.
	if r := rs[2]; r.ModelCalls < r.Requests || r.ModelCalls > r.Requests+4 {
		t.Errorf("user-model solves: %d model calls for %d requests", r.ModelCalls, r.Requests)
	}
	if _, err := Bench(t.Context(), BenchOptions{Duration: time.Hour, Concurrency: 1}); err == nil {
		t.Error("an hour-long run was accepted")
	}
}

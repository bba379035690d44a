package starlarkrt

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A worker whose call stopped at a limit is not used again: it may still
// hold the memory it grew to, counted against its OS limit, and a small
// call after it could be refused memory. A call that ends normally keeps
// its worker.
func TestWorkerStoppedAtALimitIsRetired(t *testing.T) {
	t.Parallel()
	rt := hostileRuntime(t, Subprocess, Limits{MaxSteps: 50_000_000, Timeout: time.Minute, MaxMemory: 64 << 20})
	p, err := rt.workers()
	if err != nil {
		t.Fatal(err)
	}
	idle := func() []*worker {
		p.mu.Lock()
		defer p.mu.Unlock()
		return append([]*worker(nil), p.idle...)
	}
	ctx := context.Background()
	if _, err := rt.Call(ctx, Source{Name: "ok.star", Code: adder}, "add", []any{int64(1), int64(2)}, nil); err != nil {
		t.Fatal(err)
	}
	before := idle()
	if len(before) != 1 {
		t.Fatalf("%d idle workers after a normal call, want it kept", len(before))
	}
	bomb := "def f():\n    a = []\n    for i in range(1000):\n        a.append('x' * 1000000)\n    return len(a)\n"
	_, err = rt.Call(ctx, Source{Name: "bomb.star", Code: bomb}, "f", nil, nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "memory" {
		t.Fatalf("bomb: %v, want the memory limit", err)
	}
	select {
	case <-before[0].exited:
	default:
		t.Fatal("the worker that ran the bomb is still running")
	}
	if n := len(idle()); n != 0 {
		t.Errorf("%d idle workers after the bomb, want none", n)
	}
	res, err := rt.Call(ctx, Source{Name: "ok.star", Code: adder}, "add", []any{int64(1), int64(2)}, nil)
	if err != nil || res.Value != int64(3) {
		t.Fatalf("after the bomb: %v %v", res, err)
	}
}

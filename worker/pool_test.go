package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/dispatch"
)

func TestWorkersRacingShareThePoolAndMakeOneTool(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	// Three workers of two slots each, every one with a file of its own:
	// the instances of the unknown task reach all of them at once.
	for i := range 3 {
		runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), Options{}), Engine: makingEngine(t, srv.URL), Name: fmt.Sprint("w", i), Slots: 2})
	}
	lists := append(append([]string(nil), streamLists...), "hat cap bonnet", "red green blue", "one two three", "dog cat")
	its := streamInput(len(lists)-2, lists...)
	_, last, sum, err := streamAll(ctx, q, openStore(t), "race", its)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts.get("propose"); n != 1 {
		t.Errorf("%d propose calls: the group's tool was made %d times, want once", n, n)
	}
	for _, it := range its {
		r := last[it.ID]
		want := sortedWords(strings.TrimPrefix(it.Question, sortQuestion()))
		if r.Status != dispatch.StatusSolved || r.Answer != want {
			t.Errorf("%s: last line %+v, want solved %q", it.ID, r, want)
		}
	}
	if sum.Solved != len(its) {
		t.Errorf("summary %+v", sum)
	}
	if left, err := q.Pending.Keys(ctx); err == nil && len(left) > 0 {
		t.Errorf("the shared pool still holds %v", left)
	}
}

func TestADeadMakersLeaseIsTakenOverOnceItExpires(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, counts := makingServer(t, nil)
	s := startNode(t)
	o := Options{LeaseTTL: time.Second}
	q := connect(t, ctx, s.ClientURL(), o)
	// A worker on another machine took the first group's making lease
	// and died: nothing renews it.
	expires := time.Now().Add(1500 * time.Millisecond)
	b, _ := json.Marshal(leaseEntry{Owner: "elsewhere/4242/1/dead", Expires: expires.UnixNano()})
	if _, err := q.Leases.Create(ctx, leaseKey("make-group-1"), b); err != nil {
		t.Fatal(err)
	}
	runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), o), Engine: makingEngine(t, srv.URL), Name: "w", Slots: 1})
	its := streamInput(6, streamLists[:6]...)
	_, last, _, err := streamAll(ctx, q, openStore(t), "dead", its)
	if err != nil {
		t.Fatal(err)
	}
	if counts.get("propose") != 1 {
		t.Errorf("%d propose calls, want the tool made once", counts.get("propose"))
	}
	if time.Now().Before(expires) {
		t.Errorf("the tool was made before the dead maker's lease expired")
	}
	for _, it := range its {
		if r := last[it.ID]; r.Status != dispatch.StatusSolved {
			t.Errorf("%s: %+v, want solved once the lease was taken over", it.ID, r)
		}
	}
	// The taker released it.
	if _, err := q.Leases.Get(ctx, leaseKey("make-group-1")); err == nil {
		t.Errorf("the making lease is still held after the tool was made")
	}
}

func TestLeaseCompareAndSwap(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{LeaseTTL: time.Second})
	a, b := newSharedStore(q, nil), newSharedStore(q, nil)
	defer a.close()
	defer b.close()
	if ok, err := a.Acquire(ctx, "pending-pool", "a", time.Minute); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	// Held and renewed by a: b is refused, also after several TTLs (the
	// time passing is the point: a renews every third of it).
	for range 3 {
		if ok, err := b.Acquire(ctx, "pending-pool", "b", time.Minute); ok || err != nil {
			t.Fatalf("b took a lease a holds and renews: %v %v", ok, err)
		}
		time.Sleep(time.Second)
	}
	// a stops renewing (as if it died): b takes it after the TTL.
	a.close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := b.Acquire(ctx, "pending-pool", "b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b never took over the lease a stopped renewing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// a's late release does not free b's lease.
	if err := a.Release(ctx, "pending-pool", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.Acquire(ctx, "pending-pool", "a", time.Minute); ok {
		t.Errorf("a took the lease b holds after releasing its expired one")
	}
}

package dispatch

import (
	"context"
	"fmt"
	"time"
)

// Leases in the store let dispatchers of several processes share one
// database: one lease over changes to the pending pool, one per group over
// making its tool. The TTLs bound how long a holder that died blocks the
// others: a holder of this host that died is found at once (the owner names
// its pid and start time, procowner.New); one of another host holds
// a making lease until its heartbeat stops renewing it.
const (
	poolLease     = "pending-pool"
	poolLeaseTTL  = time.Minute
	makeLeaseTTL  = 2 * time.Minute
	leaseMaxSleep = 200 * time.Millisecond
)

// heartbeat renews the lease name every quarter of ttl until the returned
// stop is called.
func (d *Dispatcher) heartbeat(ctx context.Context, name string, ttl time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = d.Store.Acquire(ctx, name, d.owner(), ttl)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func makeLease(group int64) string { return fmt.Sprintf("make-group-%d", group) }

// lease waits for the store's lease name, taking turns with dispatchers of
// other processes, and returns its release.
func (d *Dispatcher) lease(ctx context.Context, name string, ttl time.Duration) (func(), error) {
	wait := 5 * time.Millisecond
	for {
		ok, err := d.Store.Acquire(ctx, name, d.owner(), ttl)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { _ = d.Store.Release(context.WithoutCancel(ctx), name, d.owner()) }, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, leaseMaxSleep)
	}
}

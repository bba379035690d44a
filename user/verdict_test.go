package user

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// Callers asking for one verdict at once share one learning, and every
// one of them gets its result; a verdict learning could not keep is
// learned again by the next caller.
func TestAVerdictIsLearnedOnceForCallersAtOnce(t *testing.T) {
	t.Parallel()
	s := &Solver{}
	ctx := context.Background()
	const callers = 8
	var learned atomic.Int32
	release := make(chan struct{})
	var calling, done sync.WaitGroup
	calling.Add(callers)
	got := make([]any, callers)
	for i := range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			calling.Done()
			got[i] = s.verdict(ctx, "k", func() (any, bool) {
				learned.Add(1)
				<-release
				return 42, true
			})
		}()
	}
	calling.Wait()
	close(release)
	done.Wait()
	if n := learned.Load(); n != 1 {
		t.Errorf("learned %d times for %d callers at once, want once", n, callers)
	}
	for i, v := range got {
		if v != 42 {
			t.Errorf("caller %d got %v, want 42", i, v)
		}
	}
	tries := 0
	for range 2 {
		s.verdict(ctx, "failing", func() (any, bool) { tries++; return 0, false })
	}
	if tries != 2 {
		t.Errorf("a verdict that may not be kept was learned %d times in two calls, want 2", tries)
	}
}

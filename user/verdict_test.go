package user

import (
	"context"
	"runtime"
	"strings"
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

// A learning whose caller's context ends is neither kept nor handed to a
// caller still running: that one learns again (a server request that
// disconnects must not decide another's).
func TestACutLearningIsLearnedAgainByAWaitingCaller(t *testing.T) {
	t.Parallel()
	s := &Solver{}
	cut, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	led := make(chan any, 1)
	started := make(chan struct{})
	go func() {
		led <- s.verdict(cut, "k", func() (any, bool) {
			close(started)
			<-release
			return "cut short", true
		})
	}()
	<-started
	waited := make(chan any, 1)
	go func() {
		waited <- s.verdict(context.Background(), "k", func() (any, bool) { return "learned", true })
	}()
	// The waiting caller is in the flight once two goroutines are in it.
	for buf := make([]byte, 1<<20); strings.Count(string(buf[:runtime.Stack(buf, true)]), "singleflight.(*Group).Do(") < 2; {
		runtime.Gosched()
	}
	cancel()
	close(release)
	if v := <-led; v != "cut short" {
		t.Errorf("the cut caller got %v", v)
	}
	if v := <-waited; v != "learned" {
		t.Errorf("the waiting caller got %v, want its own learning", v)
	}
	if v := s.verdict(context.Background(), "k", func() (any, bool) { return "again", true }); v != "learned" {
		t.Errorf("kept verdict %v, want the waiting caller's", v)
	}
}

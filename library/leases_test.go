package library

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	steps := []struct {
		s     *Store
		op    string
		owner string
		ttl   time.Duration
		want  bool
	}{
		{a, "acquire", "A", time.Minute, true},
		{b, "acquire", "B", time.Minute, false}, // held by A
		{a, "acquire", "A", time.Minute, true},  // A extends its own
		{b, "release", "B", 0, false},           // not B's: nothing happens
		{b, "acquire", "B", time.Minute, false},
		{a, "release", "A", 0, false},
		{b, "acquire", "B", -time.Second, true}, // free; taken already expired
		{a, "acquire", "A", time.Minute, true},  // expired: A takes it over
	}
	for i, st := range steps {
		var got bool
		var err error
		if st.op == "acquire" {
			got, err = st.s.Acquire(ctx, "group-1", st.owner, st.ttl)
		} else {
			err = st.s.Release(ctx, "group-1", st.owner)
		}
		if err != nil || got != st.want {
			t.Fatalf("step %d (%s %s): got %v, %v; want %v", i, st.op, st.owner, got, err, st.want)
		}
	}
}

// Many owners racing for one lease through separate connections: exactly
// one wins.
func TestLeaseHasOneWinner(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "l.db")
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprint("owner-", i)
			ok, err := s.Acquire(context.Background(), "make", owner, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins <- owner
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d winners, want 1", n)
	}
}

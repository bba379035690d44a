package library

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latm/latm/internal/procowner"
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

// TestMain lets a test run this binary as a lease holder: with
// LATM_LEASE_HOLDER=db-path it takes the lease "make-group-1", says so on
// stdout and waits to be killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("LATM_LEASE_HOLDER"); path != "" {
		s, err := Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ok, err := s.Acquire(context.Background(), "make-group-1", procowner.New(), 30*time.Minute)
		if err != nil || !ok {
			fmt.Fprintln(os.Stderr, "holder: not acquired:", ok, err)
			os.Exit(2)
		}
		fmt.Println("held")
		select {}
	}
	os.Exit(m.Run())
}

// A holder killed with SIGKILL does not release its lease; another process
// of the host takes it over at once rather than after the TTL, while a
// live holder keeps it.
func TestLeaseOfKilledHolderIsTakenOver(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: dead holders are found by their TTL only")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LATM_LEASE_HOLDER="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "held\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("holder said %q, %v", line, err)
	}
	me := procowner.New()
	if ok, err := s.Acquire(ctx, "make-group-1", me, time.Minute); err != nil || ok {
		t.Fatalf("acquire while the holder lives: %v, %v; want false", ok, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reaped: its pid is gone
	if ok, err := s.Acquire(ctx, "make-group-1", me, time.Minute); err != nil || !ok {
		t.Fatalf("acquire after the holder was killed: %v, %v; want true", ok, err)
	}
	var holder string
	if err := s.db.QueryRow(`SELECT owner FROM leases WHERE name = 'make-group-1'`).Scan(&holder); err != nil || holder != me {
		t.Fatalf("lease owner %q, %v; want %q", holder, err, me)
	}
}

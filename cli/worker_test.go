package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/worker"
)

// syncBuffer is a buffer two goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSolveOverNATSWithAWorkerResumes(t *testing.T) {
	db, srv := solveEnv(t, sortTool("sort"))
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		if r.Template != "use" {
			return fakeopenai.Reply{Status: 500}
		}
		for _, w := range [][]string{{"b", "a"}, {"d", "c"}, {"f", "e"}} {
			if strings.Contains(r.Last(), "Question: "+sortQuestion(w...)) {
				return fakeopenai.Reply{Content: fence(sortCall(w...))}
			}
		}
		return fakeopenai.Reply{Status: 400}
	})
	ns, err := worker.StartServer(worker.ServerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	url := ns.ClientURL()

	// The worker has a database of its own, with no tools: the tool
	// reaches it as a package through the queue.
	ctx, stop := context.WithCancel(context.Background())
	var werr syncBuffer
	wdone := make(chan int, 1)
	go func() {
		wdb := filepath.Join(t.TempDir(), "worker.db")
		wdone <- Main(ctx, []string{"--db", wdb, "--no-cache", "worker", "--nats", url, "--slots", "2"}, strings.NewReader(""), &werr, &werr, os.Getenv)
	}()
	defer func() {
		stop()
		select {
		case code := <-wdone:
			if code != ExitInterrupted {
				t.Errorf("worker exit %d, want %d (stopped on interrupt): %s", code, ExitInterrupted, werr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("the worker did not stop on cancel")
		}
	}()

	in := writeLines(t, "in.jsonl", sortLine("q0", "b", "a"), sortLine("q1", "d", "c"))
	code, out, errs := runSolve(t, db, "--tool", "sort", "--input", in, "--nats", url)
	if code != ExitOK {
		t.Fatalf("exit %d, %s", code, errs)
	}
	if rs := readResults(t, out); len(rs) != 2 || rs[0].Answer != "a b" || rs[1].Answer != "c d" || !rs[1].OK {
		t.Fatalf("results %+v", rs)
	}
	writeLines(t, in, sortLine("q0", "b", "a"), sortLine("q1", "d", "c"), sortLine("q2", "f", "e"))
	code, out, errs = runSolve(t, db, "--tool", "sort", "--input", in, "--nats", url)
	if code != ExitOK {
		t.Fatalf("rerun: exit %d, %s", code, errs)
	}
	rs := readResults(t, out)
	if len(rs) != 3 || rs[2].ID != "q2" || rs[2].Answer != "e f" || !strings.Contains(errs, "2 from an earlier run") {
		t.Errorf("rerun results %+v, stderr %q; want q2 solved and two resumed", rs, errs)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d model calls, want 3 (one per instance, none again on the rerun)", n)
	}
	abs, _ := filepath.Abs(in)
	batch, _ := defaultBatchID(abs, "sort@1")
	if runs := storedRuns(t, db, batch); len(runs) != 3 || runs["q2"].Answer != "e f" {
		t.Errorf("local runs %v, want the three collected", runs)
	}
}

func TestWorkerAndNATSUsageErrors(t *testing.T) {
	db, _ := solveEnv(t, sortTool("sort"))
	for _, args := range [][]string{
		{"worker"},
		{"nats", "--listen", "nowhere"},
		{"solve", "--tool", "sort", "--nats", "nats://127.0.0.1:1", "a question"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb, os.Getenv)
		if code != ExitUsage {
			t.Errorf("%v: exit %d (%s), want a usage error", args, code, errb.String())
		}
	}
}

func TestNATSRunsAnEmbeddedJetStreamUntilInterrupted(t *testing.T) {
	db, _ := solveEnv(t)
	store := filepath.Join(t.TempDir(), "js")
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--db", db, "nats", "--listen", "127.0.0.1:0", "--store", store}, strings.NewReader(""), io.Discard, pw, os.Getenv)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url, _, _ := strings.Cut(strings.TrimPrefix(line, "nats: JetStream at "), ",")
	q, err := worker.Connect(ctx, url, worker.Options{})
	if err != nil {
		t.Fatalf("connect to %q (from %q): %v", url, line, err)
	}
	q.NC.Close()
	if _, err := os.Stat(filepath.Join(store, "jetstream")); err != nil {
		t.Errorf("no JetStream store under --store: %v", err)
	}
	stop()
	if code := <-done; code != ExitInterrupted {
		t.Errorf("exit %d, want %d on interrupt", code, ExitInterrupted)
	}
}

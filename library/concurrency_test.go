package library

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latm/latm/tool"
)

// The tests below re-execute the test binary as helper processes, so that
// real OS processes share one database file.
const helperEnv = "LATM_LIBRARY_HELPER"

// helperCommand runs this test binary as a helper doing mode on path.
func helperCommand(t *testing.T, mode, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(append([]string{mode, path}, args...), "\x1f"))
	return cmd
}

// TestHelperProcess is not a test: it is the body of helper processes.
func TestHelperProcess(t *testing.T) {
	t.Parallel()
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	args := strings.Split(spec, "\x1f")
	var err error
	switch args[0] {
	case "write":
		n, _ := strconv.Atoi(args[3])
		err = writeMany(args[1], args[2], n)
	case "save-loop":
		err = saveLoop(args[1])
	case "gateway":
		n, _ := strconv.Atoi(args[3])
		err = gatewayWriter(args[1], args[2], n)
	case "open":
		var s *Store
		if s, err = Open(args[1]); err == nil {
			err = s.Close()
		}
	default:
		err = fmt.Errorf("unknown helper mode %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// writeMany does n rounds of every kind of write, as a busy latm would.
func writeMany(path, who string, n int) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", who, i)
		if err := s.SaveTool(ctx, sampleTool("shared")); err != nil {
			return err
		}
		if err := s.RecordRun(ctx, &tool.Run{Batch: "b", InputID: id, Question: "q", Answer: "a", OK: true}); err != nil {
			return err
		}
		if err := s.RecordCall(ctx, &tool.ModelCall{Role: "user", Model: "m", TokensIn: 1, Status: "ok"}); err != nil {
			return err
		}
		if err := s.CachePut(ctx, "key-"+strconv.Itoa(i), []byte(id)); err != nil {
			return err
		}
		if err := s.AddPending(ctx, &tool.Pending{InstanceID: id, Question: "q"}); err != nil {
			return err
		}
		if _, err := s.SearchTools(ctx, "sort words", 3); err != nil {
			return err
		}
	}
	return nil
}

// crashExamples is how many usage examples every tool of saveLoop has.
const crashExamples = 40

func crashTool(i int) *tool.Tool {
	tl := sampleTool("crash")
	tl.Description = fmt.Sprintf("tool %d", i)
	tl.Examples = nil
	for j := 0; j < crashExamples; j++ {
		tl.Examples = append(tl.Examples, tool.UsageExample{
			Question: fmt.Sprintf("question %d of tool %d %s", j, i, strings.Repeat("padding ", 50)),
			Code:     fmt.Sprintf("ans = f(%d)", j), Answer: strconv.Itoa(j),
		})
	}
	return tl
}

// saveLoop saves, retires and purges tools until it is killed.
func saveLoop(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	for i := 1; ; i++ {
		tl := crashTool(i)
		if err := s.SaveTool(ctx, tl); err != nil {
			return err
		}
		switch i % 5 {
		case 3:
			if err := s.RetireTool(ctx, "crash", tl.Version); err != nil {
				return err
			}
		case 4:
			if err := s.PurgeTool(ctx, "crash", tl.Version-1); err != nil {
				return err
			}
		}
		fmt.Println("saved", i) // the parent waits for this before killing
	}
}

func TestConcurrentProcessesWriteOneFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	const procs, rounds = 4, 25
	var cmds []*exec.Cmd
	outs := make([]*strings.Builder, procs)
	for p := 0; p < procs; p++ {
		cmd := helperCommand(t, "write", path, "p"+strconv.Itoa(p), strconv.Itoa(rounds))
		outs[p] = &strings.Builder{}
		cmd.Stdout, cmd.Stderr = outs[p], outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", p, err, outs[p])
		}
	}
	checkShared(t, path, procs*rounds)
}

func TestConcurrentGoroutinesWriteOneFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")
	const writers, rounds = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	// Half the writers share one Store, half open their own, as separate
	// commands in one process would.
	shared, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if w%2 == 1 {
				errs <- writeMany(path, "g"+strconv.Itoa(w), rounds)
				return
			}
			errs <- writeManyOn(shared, "g"+strconv.Itoa(w), rounds)
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkShared(t, path, writers*rounds)
}

// writeManyOn is writeMany on an open Store.
func writeManyOn(s *Store, who string, n int) error {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", who, i)
		if err := s.SaveTool(ctx, sampleTool("shared")); err != nil {
			return err
		}
		if err := s.RecordRun(ctx, &tool.Run{Batch: "b", InputID: id}); err != nil {
			return err
		}
		if err := s.RecordCall(ctx, &tool.ModelCall{Role: "user", Model: "m", TokensIn: 1}); err != nil {
			return err
		}
		if err := s.AddPending(ctx, &tool.Pending{InstanceID: id}); err != nil {
			return err
		}
	}
	return nil
}

// checkShared checks that n rounds of writes all landed: versions 1..n of
// the shared tool, n runs, n calls, n pending instances.
func checkShared(t *testing.T, path string, n int) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tools, err := s.Tools(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != n {
		t.Fatalf("%d tool versions, want %d", len(tools), n)
	}
	for i, tl := range tools {
		if tl.Version != i+1 || len(tl.Examples) != 2 {
			t.Fatalf("tool %d is %s with %d examples", i, tl.Ref(), len(tl.Examples))
		}
	}
	runs, err := s.Runs(ctx, "b")
	if err != nil || len(runs) != n {
		t.Fatalf("%d runs (%v), want %d", len(runs), err, n)
	}
	rows, err := s.CostReport(ctx, "role")
	if err != nil || len(rows) != 1 || rows[0].Calls != n {
		t.Fatalf("ledger %+v (%v), want %d calls", rows, err, n)
	}
	pending, err := s.PendingInstances(ctx, -1)
	if err != nil || len(pending) != n {
		t.Fatalf("%d pending (%v), want %d", len(pending), err, n)
	}
	assertIndexInvariant(t, s)
}

func TestKillDuringSavesLeavesWholeTools(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := 0; round < 3; round++ {
		cmd := helperCommand(t, "save-loop", path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it save a few tools, then kill it at an arbitrary point.
		sc := bufio.NewScanner(stdout)
		for saved := 0; saved < 10 && sc.Scan(); saved++ {
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: helper ended with %v before it was killed:\n%s", round, err, stderr.String())
		}
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	tools, err := s.Tools(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) == 0 {
		t.Fatal("no tools survived; the helper saved none?")
	}
	for _, tl := range tools {
		var i int
		if _, err := fmt.Sscanf(tl.Description, "tool %d", &i); err != nil {
			t.Fatalf("%s: description %q", tl.Ref(), tl.Description)
		}
		want := crashTool(i)
		if len(tl.Examples) != crashExamples {
			t.Fatalf("%s has %d of %d usage examples: a half-saved tool", tl.Ref(), len(tl.Examples), crashExamples)
		}
		for j, ex := range tl.Examples {
			if ex != want.Examples[j] {
				t.Fatalf("%s example %d = %+v, want %+v", tl.Ref(), j, ex, want.Examples[j])
			}
		}
	}
	assertIndexInvariant(t, s)
	t.Logf("%d tool versions survived three kills", len(tools))
}

// Processes opening one fresh file at the same moment (workers started
// together) all open it: SQLite fails some of them with BUSY at once, to
// break a lock cycle, and Open tries those again.
func TestProcessesOpenAFreshFileTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Parallel()
	const rounds, procs = 10, 10
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "fresh.db")
		cmds := make([]*exec.Cmd, procs)
		outs := make([]strings.Builder, procs)
		for p := range cmds {
			cmds[p] = helperCommand(t, "open", path)
			cmds[p].Stdout, cmds[p].Stderr = &outs[p], &outs[p]
			if err := cmds[p].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for p, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, p, err, outs[p].String())
			}
		}
	}
}

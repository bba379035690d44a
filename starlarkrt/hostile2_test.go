package starlarkrt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileCase is one program of testdata/hostile2: its source (with
// @@REPEAT(n,text)@@ expanded, so that a file can hold a program of
// megabytes) and what each isolation mode must end it with.
type hostileCase struct {
	name string
	code string
	want map[Isolation]string // "limit:a|b", "error:text" or "ok"
	// outlives: in process, one operation the interpreter cannot
	// interrupt keeps the call's goroutine running past the limit error
	// (see detached), possibly until the process exits.
	outlives bool
	timeout  time.Duration // in place of hostileLimits.Timeout, when not 0
}

var repeatMacro = regexp.MustCompile(`@@REPEAT\((\d+),([^@]*)\)@@`)

// loadHostile reads testdata/hostile2. The first line of a file is
// "# want: W", W for both modes; a line "# inprocess: W" or
// "# subprocess: W" overrides it for one mode ("any": it need only end in
// time; "skip": not run in that mode). In process, single allocations
// ('x' * n, [0] * n, list(range(n))) are refused before they are made
// (dialect_alloc.go), as in a worker, where the OS limit is the backstop.
// A line "# outlives: inprocess" marks a program whose goroutine runs on
// after its call in process; a line "# timeout: D" gives a program that
// only the time limit stops a shorter one than the corpus's, so that it
// costs less.
func loadHostile(t *testing.T) []hostileCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "hostile2", "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []hostileCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		c := hostileCase{name: strings.TrimSuffix(filepath.Base(f), ".py"), want: map[Isolation]string{}}
		for _, line := range strings.Split(src, "\n") {
			if !strings.HasPrefix(line, "#") {
				break
			}
			key, val, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
			val = strings.TrimSpace(val)
			switch {
			case !ok:
			case key == "want":
				c.want[InProcess], c.want[Subprocess] = val, val
			case key == "inprocess":
				c.want[InProcess] = val
			case key == "subprocess":
				c.want[Subprocess] = val
			case key == "outlives":
				c.outlives = val == "inprocess"
			case key == "timeout":
				if c.timeout, err = time.ParseDuration(val); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
		}
		if c.want[InProcess] == "" {
			t.Fatalf("%s: no \"# want:\" header", f)
		}
		c.code = repeatMacro.ReplaceAllStringFunc(src, func(m string) string {
			sub := repeatMacro.FindStringSubmatch(m)
			n, _ := strconv.Atoi(sub[1])
			return strings.Repeat(sub[2], n)
		})
		cases = append(cases, c)
	}
	return cases
}

// hostileLimits are tight, so that the corpus runs in seconds; the memory
// budget is 64 MB, as for TestHostile's memory bombs: a bomb costs the
// memory it fills before the limit stops it, and the budget's size changes
// nothing the corpus proves (TestInProcessRefusesLargeAllocation meets the
// default 256 MB). A program that only work charged in Go can
// stop may end at the time limit instead of the step limit on a loaded
// machine: its header then allows both.
var hostileLimits = Limits{MaxSteps: 1_000_000, Timeout: 2 * time.Second, MaxDepth: 200, MaxMemory: 64 << 20, MaxOutput: 64 << 10, MaxResult: 256 << 10}

// TestHostileCorpus runs every program of testdata/hostile2 in both
// isolation modes: each must end as its header says (a limit error, a
// program error or a result), within its time limit and grace, and leave
// the runtime working.
func TestHostileCorpus(t *testing.T) {
	cases := loadHostile(t)
	if len(cases) < 40 {
		t.Fatalf("%d hostile programs, want at least 40", len(cases))
	}
	t.Parallel()
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			t.Parallel()
			cases := cases
			if is.iso == InProcess {
				if !alone(t) {
					return
				}
				// A program that outlives its call keeps a core busy
				// until the process exits: those run last.
				var first, last []hostileCase
				for _, c := range cases {
					if c.outlives {
						last = append(last, c)
					} else {
						first = append(first, c)
					}
				}
				cases = append(first, last...)
			}
			rt := hostileRuntime(t, is.iso, hostileLimits)
			rts := map[time.Duration]*Runtime{0: rt}
			for _, c := range cases {
				if rts[c.timeout] == nil {
					lim := hostileLimits
					lim.Timeout = c.timeout
					rts[c.timeout] = hostileRuntime(t, is.iso, lim)
				}
			}
			t.Run("corpus", func(t *testing.T) {
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						if c.want[is.iso] == "skip" {
							// One huge allocation made by the interpreter
							// itself: in process it can stall the whole
							// test binary.
							t.Skip("not bounded in process; run in a worker")
						}
						if is.iso == Subprocess {
							t.Parallel() // each call has a worker of its own
						}
						if is.iso == InProcess {
							// In process the memory guard measures the process's
							// heap: start each program without the last one's garbage.
							runtime.GC()
						}
						checkHostile(t, rts[c.timeout], c.code, c.want[is.iso])
					})
				}
			})
			res, err := rt.Call(context.Background(), Source{Name: "ok.star", Code: adder}, "add", []any{int64(1), int64(2)}, nil)
			if err != nil || res.Value != int64(3) {
				t.Fatalf("after the corpus: %v %v", res, err)
			}
		})
	}
}

func checkHostile(t *testing.T, rt *Runtime, code, want string) {
	t.Helper()
	lim := rt.Limits()
	start := time.Now()
	res, err := rt.Call(context.Background(), Source{Name: "hostile.py", Code: code}, "main", nil, nil)
	took := time.Since(start)
	// The slack is for a loaded machine: a call past its limit and grace
	// is killed or given up on, so it never takes much longer.
	if max := lim.Timeout + grace(lim.Timeout) + 3*time.Second; took > max {
		t.Errorf("took %v, past the time limit and its grace", took)
	}
	kind, arg, _ := strings.Cut(want, ":")
	switch kind {
	case "any": // not bounded in this mode: it need only end in time
	case "ok":
		if err != nil {
			t.Fatalf("want a result, got %v (after %v)", err, took)
		}
	case "error":
		var pe *ProgramError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), arg) {
			t.Fatalf("want a program error containing %q, got %v, %v (after %v)", arg, res, err, took)
		}
	case "limit":
		var le *LimitError
		if !errors.As(err, &le) || !strings.Contains("|"+boundingLimits(arg, rt.opts.Isolation)+"|", "|"+le.Limit+"|") {
			t.Fatalf("want the %s limit, got %v, %v (after %v)", arg, res, err, took)
		}
	default:
		t.Fatalf("bad want %q", want)
	}
}

// boundingLimits widens the limits a corpus file names to those that may
// fire first on another machine: time and steps both bound CPU-bound work,
// and which comes first depends on the machine's speed and load; in a
// worker the OS memory limit may stop a program that allocates while it
// builds toward another limit. A hostile program must end in one of them;
// the file's own list is what fires on an idle machine.
func boundingLimits(want string, iso Isolation) string {
	set := want
	if strings.Contains("|"+want+"|", "|time|") || strings.Contains("|"+want+"|", "|steps|") {
		set += "|time|steps"
	}
	if iso == Subprocess {
		set += "|memory"
	}
	return set
}

// In a worker, one allocation larger than the memory budget fails every
// time, however briefly it lives: as the memory limit when the worker dies
// of it, as the time limit in the rare case (about one in ten here) when
// the Go runtime stalls at the OS limit instead of failing and the worker
// is killed at the deadline.
func TestWorkerRefusesLargeAllocation(t *testing.T) {
	t.Parallel()
	rt := hostileRuntime(t, Subprocess, Limits{MaxMemory: 96 << 20, Timeout: 2 * time.Second})
	src := Source{Name: "bomb.py", Code: "def main():\n    return len('x' * 200000000)\n"}
	memory := 0
	for i := 0; i < 10; i++ {
		res, err := rt.Call(context.Background(), src, "main", nil, nil)
		var le *LimitError
		if !errors.As(err, &le) || (le.Limit != "memory" && le.Limit != "time") {
			t.Fatalf("run %d: %v, %v; want the memory limit", i+1, res, err)
		}
		if le.Limit == "memory" {
			memory++
		}
	}
	if memory == 0 {
		t.Errorf("no run of 10 ended at the memory limit")
	}
	// A program within the budget still runs.
	res, err := rt.Call(context.Background(), Source{Name: "ok.py", Code: "def main():\n    return len('x' * 60000000)\n"}, "main", nil, nil)
	if err != nil || res.Value != int64(60000000) {
		t.Fatalf("60 MB string under a 96 MB budget: %v, %v", res, err)
	}
}

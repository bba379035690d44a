package starlarkrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	RunWorkerIfRequested()
	if os.Getenv(echoEnv) == "1" {
		echo() // for BenchmarkPipeRoundTrip
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// echoEnv turns this test binary into a process that echoes stdin bytes.
const echoEnv = "LATM_TEST_ECHO"

func echo() {
	buf := make([]byte, 1)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			return
		}
		if _, err := os.Stdout.Write(buf); err != nil {
			return
		}
	}
}

var isolations = []struct {
	name string
	iso  Isolation
}{{"inprocess", InProcess}, {"subprocess", Subprocess}}

func newRuntime(t testing.TB, iso Isolation, lim Limits) *Runtime {
	t.Helper()
	rt := New(Options{Isolation: iso, Limits: lim, Workers: 2})
	t.Cleanup(func() { rt.Close() })
	return rt
}

var (
	workerOnce sync.Once
	workerPath string
	workerErr  error
)

// plainWorker returns a worker program built without the race detector, so
// that memory bombs meet the OS limit a worker sets, whatever flags this
// test binary was built with: "" (this binary, see TestMain) when it has no
// race detector, else the bare sandbox worker, built once.
func plainWorker(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return ""
	}
	workerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "latm-worker")
		if err != nil {
			workerErr = err
			return
		}
		workerPath = filepath.Join(dir, "sandboxworker")
		out, err := exec.Command("go", "build", "-o", workerPath, "github.com/latm/latm/starlarkrt/internal/sandboxworker").CombinedOutput()
		if err != nil {
			workerErr = fmt.Errorf("build the sandbox worker: %v\n%s", err, out)
		}
	})
	if workerErr != nil {
		t.Fatal(workerErr)
	}
	return workerPath
}

// hostileRuntime runs programs in bare workers built without the race
// detector (see plainWorker).
func hostileRuntime(t testing.TB, iso Isolation, lim Limits) *Runtime {
	t.Helper()
	opts := Options{Isolation: iso, Limits: lim, Workers: 2}
	if iso == Subprocess {
		opts.WorkerPath = plainWorker(t)
	}
	rt := New(opts)
	t.Cleanup(func() { rt.Close() })
	return rt
}

const adder = `
def add(a, b=10):
    """Adds two numbers."""
    return a + b

def shape(x):
    return {"list": [1, (2, 3)], "none": None, "f": 1.5, "big": 2 * 10 * 1000000000 * 1000000000 * 1000000000, 7: x}
`

func TestCall(t *testing.T) {
	t.Parallel()
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			ctx := context.Background()
			src := Source{Name: "adder.star", Code: adder}
			res, err := rt.Call(ctx, src, "add", []any{int64(2)}, map[string]any{"b": int64(5)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Value != int64(7) {
				t.Fatalf("add(2, b=5) = %#v", res.Value)
			}
			if res.Stats.Steps == 0 {
				t.Fatal("no steps counted")
			}
			res, err = rt.Call(ctx, src, "shape", []any{"x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			big20, _ := new(big.Int).SetString("20000000000000000000000000000", 10)
			want := map[string]any{"list": []any{int64(1), []any{int64(2), int64(3)}}, "none": nil, "f": 1.5, "big": big20, "7": "x"}
			if !reflect.DeepEqual(res.Value, want) {
				t.Fatalf("shape() = %#v\nwant %#v", res.Value, want)
			}
			m, err := rt.Load(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Functions) != 2 || m.Functions[0].Name != "add" || !reflect.DeepEqual(m.Functions[0].Params, []string{"a", "b"}) || m.Functions[0].Doc != "Adds two numbers." {
				t.Fatalf("Load = %+v", m.Functions)
			}
			if _, err := rt.Call(ctx, src, "nope", nil, nil); err == nil || !strings.Contains(err.Error(), "add, shape") {
				t.Fatalf("missing function: %v", err)
			}
		})
	}
}

// Arguments may come in any form ToStarlark takes, in both isolations:
// json.Number from a decoder with UseNumber, Go ints, string slices.
func TestCallArgumentForms(t *testing.T) {
	t.Parallel()
	src := Source{Name: "bom.star", Code: "\ufeffdef f(a, b, c):\n    return [a + 1, b, c]\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			res, err := rt.Call(context.Background(), src, "f", []any{json.Number("41"), 2.5, []string{"x"}}, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if want := []any{int64(42), 2.5, []any{"x"}}; !reflect.DeepEqual(res.Value, want) {
				t.Fatalf("got %#v", res.Value)
			}
			res, err = rt.Call(context.Background(), src, "f", []any{1}, map[string]any{"b": json.Number("1.5"), "c": nil})
			if err != nil || !reflect.DeepEqual(res.Value, []any{int64(2), 1.5, nil}) {
				t.Fatalf("keywords: %#v %v", res, err)
			}
		})
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	tool := Source{Name: "tool.star", Code: "def double(x):\n    return x * 2\n"}
	snippet := Source{Name: "call.star", Code: "ret = double(21)\nprint('got', ret)\nans = ret\ndef helper():\n    pass\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			res, err := rt.Exec(context.Background(), tool, snippet)
			if err != nil {
				t.Fatal(err)
			}
			if res.Globals["ans"] != int64(42) || !reflect.DeepEqual(res.Order, []string{"ret", "ans"}) {
				t.Fatalf("globals %v order %v", res.Globals, res.Order)
			}
			if res.Output != "got 42\n" {
				t.Fatalf("output %q", res.Output)
			}
		})
	}
}

// A tool's top level runs once; later calls reuse its frozen globals.
func TestGlobalsCached(t *testing.T) {
	t.Parallel()
	tool := Source{Name: "table.star", Code: "table = [i * i for i in range(20000)]\ndef f(i):\n    return table[i]\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			first, err := rt.Call(context.Background(), tool, "f", []any{int64(3)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			second, err := rt.Call(context.Background(), tool, "f", []any{int64(4)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if first.Value != int64(9) || second.Value != int64(16) {
				t.Fatalf("values %v %v", first.Value, second.Value)
			}
			if first.Stats.Steps < 20000 || second.Stats.Steps > 100 {
				t.Fatalf("steps: first call %d, second %d; want the top level to run once", first.Stats.Steps, second.Stats.Steps)
			}
			snippet := Source{Name: "call.star", Code: "ans = f(5) + len(table)\n"}
			res, err := rt.Exec(context.Background(), tool, snippet)
			if err != nil || res.Globals["ans"] != int64(20025) || res.Stats.Steps > 100 {
				t.Fatalf("exec: %v %v", res, err)
			}
		})
	}
}

// A tool that mutates module-level state (a memo table) gets fresh globals
// for that call, as under Python; one call's mutation never leaks into the
// next.
func TestFreshGlobals(t *testing.T) {
	t.Parallel()
	tool := Source{Name: "memo.star", Code: "seen = {}\ndef f(x):\n    seen[x] = True\n    return len(seen)\n"}
	rt := newRuntime(t, InProcess, Limits{})
	for i := 0; i < 2; i++ {
		res, err := rt.Call(context.Background(), tool, "f", []any{int64(i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != int64(1) {
			t.Fatalf("call %d saw %v entries", i, res.Value)
		}
	}
}

func TestProgramErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			_, err := rt.Load(ctx, Source{Name: "bad.star", Code: "def f(x):\n    return x +\n"})
			var pe *ProgramError
			if !errors.As(err, &pe) || pe.Phase != "syntax" || pe.File != "bad.star" || pe.Line != 2 || pe.SourceLine != "    return x +" {
				t.Fatalf("syntax error: %#v", err)
			}
			tool := Source{Name: "t.star", Code: "def f(xs):\n    return xs[10]\n"}
			_, err = rt.Exec(ctx, tool, Source{Name: "call.star", Code: "x = 1\nans = f([1, 2])\n"})
			if !errors.As(err, &pe) || pe.Phase != "runtime" || pe.File != "t.star" || pe.Line != 2 || !strings.Contains(pe.Msg, "out of range") {
				t.Fatalf("runtime error: %#v", err)
			}
			if !strings.Contains(pe.Error(), "t.star:2:") || !strings.Contains(pe.Error(), "return xs[10]") || !strings.Contains(pe.Backtrace, "call.star:2") {
				t.Fatalf("rendered error lacks position or source line:\n%s\n%s", pe.Error(), pe.Backtrace)
			}
			_, err = rt.Exec(ctx, tool, Source{Name: "call.star", Code: "ans = undefined_name(1)\n"})
			if !errors.As(err, &pe) || pe.File != "call.star" || pe.Line != 1 || !strings.Contains(pe.Msg, "undefined_name") {
				t.Fatalf("resolve error: %#v", err)
			}
		})
	}
}

func TestConversionErrors(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, InProcess, Limits{})
	src := Source{Name: "f.star", Code: "def f(x):\n    return f\ndef g():\n    l = []\n    l.append(l)\n    return l\n"}
	if _, err := rt.Call(context.Background(), src, "f", []any{struct{}{}}, nil); err == nil || !strings.Contains(err.Error(), "argument 1") {
		t.Fatalf("bad argument: %v", err)
	}
	if _, err := rt.Call(context.Background(), src, "f", []any{int64(1)}, nil); err == nil || !strings.Contains(err.Error(), "no JSON form") {
		t.Fatalf("function result: %v", err)
	}
	if _, err := rt.Call(context.Background(), src, "g", nil, nil); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("self-containing list: %v", err)
	}
}

// hostile is a corpus of programs that try to exhaust or escape the
// sandbox. Each must end with the limit named in want (or, for escapes, a
// program error containing want) and leave the test process alive.
var hostile = []struct {
	name, code string
	want       string // limit name, or "error:<text>"
	subOnly    bool   // only bounded with Subprocess isolation
}{
	{"infinite loop", "def f():\n    while True:\n        pass\n", "steps", false},
	{"infinite recursion", "def f():\n    return f()\n", "depth", false},
	{"mutual recursion", "def a(n):\n    return b(n + 1)\ndef b(n):\n    return a(n + 1)\ndef f():\n    return a(0)\n", "depth", false},
	{"print flood", "def f():\n    for i in range(10000000):\n        print('spam spam spam spam')\n", "output", false},
	{"huge result", "def f():\n    return ['x' * 1000] * 5000\n", "result", false},
	{"gradual memory growth", "def f():\n    l = []\n    for i in range(100000000):\n        l.append('abcdefgh' * 16 + str(i))\n", "memory", false},
	{"builtin loop on a huge range", "def f():\n    return sorted(range(200000000))[0]\n", "memory", true},
	{"list repetition bomb", "def f():\n    return len([0] * 400000000)\n", "memory", true},
	{"string repetition bomb", "def f():\n    return len('x' * 1000000000)\n", "memory", true},
	{"string doubling", "def f():\n    s = 'x'\n    for i in range(40):\n        s = s + s\n    return len(s)\n", "memory", true},
	{"join amplification", "def f():\n    s = 'y' * 1000000\n    return len(s.join(['x' * 1000000] * 1000))\n", "memory", true},
	{"replace amplification", "def f():\n    s = 'a' * 10000000\n    return len(s.replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'))\n", "memory", true},
	{"big int squaring", "def f():\n    x = 3\n    for i in range(64):\n        x = x * x\n    return x > 0\n", "time", true},
	{"load escape", "load('os', 'system')\ndef f():\n    return 1\n", "error:not available", false},
	{"open escape", "def f():\n    return open('/etc/passwd')\n", "error:undefined: open", false},
	{"import os", "import os\ndef f():\n    return os.system('true')\n", "error:os", false},
	{"eval escape", "def f():\n    return eval('1+1')\n", "error:undefined: eval", false},
	{"dunder access", "def f():\n    return f.__globals__\n", "error:__globals__", false},
	{"exec escape", "def f():\n    return exec('x = 1')\n", "error:undefined: exec", false},
	{"interpreter panic", "def f():\n    g = set().difference\n    return g()\n", "error:internal error in the interpreter", false},
}

func TestHostile(t *testing.T) {
	// The time limit is generous so that, on a loaded machine too, every
	// other limit is reached first (under -race, beside the rest of the
	// package, on 2 cores shared with other builds, gradual memory growth
	// once took over 20 s); it costs a passing run nothing. The program
	// that only the time limit can stop runs under a short one, and the one
	// that only the step limit can stop under a small step budget.
	lim := Limits{MaxSteps: 50_000_000, Timeout: time.Minute, MaxDepth: 500, MaxMemory: 64 << 20, MaxOutput: 64 << 10, MaxResult: 1 << 20}
	short := lim
	short.Timeout = 500 * time.Millisecond // a worker spins until it: keep it short
	few := lim
	few.MaxSteps = 1_000_000
	t.Parallel()
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			t.Parallel()
			if is.iso == InProcess && !alone(t) {
				return // in a process of its own, as the in-process hostile corpus
			}
			rtLong := hostileRuntime(t, is.iso, lim)
			rtShort := hostileRuntime(t, is.iso, short)
			rtFew := hostileRuntime(t, is.iso, few)
			for _, h := range hostile {
				if h.subOnly && is.iso == InProcess {
					continue
				}
				rt, lim := rtLong, lim
				switch h.want {
				case "time":
					rt, lim = rtShort, short
				case "steps":
					rt, lim = rtFew, few
				}
				t.Run(h.name, func(t *testing.T) {
					start := time.Now()
					_, err := rt.Call(context.Background(), Source{Name: "hostile.star", Code: h.code}, "f", nil, nil)
					took := time.Since(start)
					if took > lim.Timeout+grace(lim.Timeout)+time.Second {
						t.Errorf("took %v, past the time limit and its grace", took)
					}
					if text, ok := strings.CutPrefix(h.want, "error:"); ok {
						var pe *ProgramError
						if !errors.As(err, &pe) || !strings.Contains(err.Error(), text) {
							t.Fatalf("want a program error containing %q, got %v", text, err)
						}
						return
					}
					var le *LimitError
					if !errors.As(err, &le) || le.Limit != h.want {
						t.Fatalf("want the %s limit, got %v (after %v)", h.want, err, took)
					}
				})
			}
			// The runtime still works after every bomb.
			res, err := rtLong.Call(context.Background(), Source{Name: "ok.star", Code: adder}, "add", []any{int64(1), int64(2)}, nil)
			if err != nil || res.Value != int64(3) {
				t.Fatalf("after the corpus: %v %v", res, err)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > 1<<30 {
				t.Errorf("test process heap is %d MB after the corpus", ms.HeapAlloc>>20)
			}
		})
	}
}

func TestTimeLimitAndCancel(t *testing.T) {
	t.Parallel()
	loop := Source{Name: "loop.star", Code: "def f():\n    while True:\n        pass\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{MaxSteps: 1 << 62, Timeout: 200 * time.Millisecond})
			start := time.Now()
			_, err := rt.Call(context.Background(), loop, "f", nil, nil)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != "time" || le.Max != "200ms" {
				t.Fatalf("want the time limit, got %v", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err = rt.Call(ctx, loop, "f", nil, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("cancelled call: %v", err)
			}
		})
	}
}

// lateContext has a deadline whose timer fires late, as a context.WithTimeout
// does on a machine so loaded that its goroutines wait for a CPU: Deadline
// says when the caller gave up, Done and Err only follow later.
type lateContext struct {
	context.Context // the late one, for Done and Err
	deadline        time.Time
}

func (c lateContext) Deadline() (time.Time, bool) { return c.deadline, true }

// A caller's deadline that passes before the time limit is reported as the
// caller's, even when its timer fires after the time limit: the runtime
// (and a worker, which is sent the deadline) compare the two instants
// rather than the order in which they notice them.
func TestLateDeadlineIsNotTheTimeLimit(t *testing.T) {
	t.Parallel()
	loop := Source{Name: "loop.star", Code: "def f():\n    while True:\n        pass\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			t.Parallel()
			rt := newRuntime(t, is.iso, Limits{MaxSteps: 1 << 62, Timeout: 200 * time.Millisecond})
			// Start the worker first, so its start-up is not in the timing.
			if _, err := rt.Load(context.Background(), loop); err != nil {
				t.Fatal(err)
			}
			late, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
			defer cancel()
			ctx := lateContext{Context: late, deadline: time.Now().Add(50 * time.Millisecond)}
			_, err := rt.Call(ctx, loop, "f", nil, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("call whose deadline passed before its time limit: %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	// The calls share the tool's frozen globals, and iterate over them.
	src := Source{Name: "sq.star", Code: "ones = [1] * 10\nw = {'k': 1}\ndef sq(x):\n    return x * x + sum([o - 1 for o in ones]) + len([k for k in w]) - 1\n"}
	for _, is := range isolations {
		t.Run(is.name, func(t *testing.T) {
			rt := newRuntime(t, is.iso, Limits{})
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := 0; i < 64; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					res, err := rt.Call(context.Background(), src, "sq", []any{int64(i)}, nil)
					if err != nil {
						errs <- err
						return
					}
					if res.Value != int64(i*i) {
						errs <- errors.New("wrong square")
					}
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// A worker killed from outside while idle is replaced before the next call
// rather than failing it.
func TestWorkerKilledWhileIdle(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t, Subprocess, Limits{})
	src := Source{Name: "sq.star", Code: "def sq(x):\n    return x * x\n"}
	if _, err := rt.Call(context.Background(), src, "sq", []any{int64(2)}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := rt.workers()
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	idle := append([]*worker(nil), p.idle...)
	p.mu.Unlock()
	if len(idle) != 1 {
		t.Fatalf("%d idle workers, want 1", len(idle))
	}
	idle[0].cmd.Process.Kill()
	<-idle[0].exited
	res, err := rt.Call(context.Background(), src, "sq", []any{int64(3)}, nil)
	if err != nil || res.Value != int64(9) {
		t.Fatalf("after the kill: %v %v", res, err)
	}
}

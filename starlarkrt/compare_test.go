package starlarkrt_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

var compare = flag.Bool("compare", false, "run TestCompareRuntimes: time the fixture tools under latm, CPython and native Go (needs python3)")

// pyInProcess times calls of a function in one CPython process: the best
// an in-process Python sandbox could do (it has no limits at all).
const pyInProcess = `
import json, sys, time
spec = json.load(open(sys.argv[1]))
ns = {}
exec(compile(spec["source"], "tool", "exec"), ns)
f = ns[spec["func"]]
args = spec["args"]
for a in args:
    f(*a)
n = 0
start = time.perf_counter_ns()
while time.perf_counter_ns() - start < 500_000_000:
    for a in args:
        f(*a)
    n += len(args)
print((time.perf_counter_ns() - start) / n)
`

// pyOneCall runs one call in a fresh CPython process, as a sandbox that
// starts an interpreter per call would.
const pyOneCall = `
import json, sys
spec = json.load(open(sys.argv[1]))
ns = {}
exec(compile(spec["source"], "tool", "exec"), ns)
a = spec["args"][int(sys.argv[2])]
print(json.dumps(ns[spec["func"]](*a)))
`

// TestCompareRuntimes prints, as a Markdown table, the mean time per call
// of each fixture tool: native Go, latm in process, latm in a sandbox
// worker, CPython in process, and CPython started per call. Run with
// go test ./starlarkrt -run TestCompareRuntimes -compare -v
func TestCompareRuntimes(t *testing.T) {
	if !*compare {
		t.Skip("run with -compare")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	version, _ := exec.Command(py, "--version").Output()
	dir := t.TempDir()
	inproc := filepath.Join(dir, "inproc.py")
	onecall := filepath.Join(dir, "onecall.py")
	os.WriteFile(inproc, []byte(pyInProcess), 0o644)
	os.WriteFile(onecall, []byte(pyOneCall), 0o644)

	in := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer in.Close()
	sub := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.Subprocess, Workers: 1})
	defer sub.Close()
	ctx := context.Background()

	var b strings.Builder
	fmt.Fprintf(&b, "| tool | native Go | latm in process | latm worker process | CPython in process | CPython process per call | latm in process vs CPython in process | latm worker vs CPython per call |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|\n")
	for _, tool := range fixtures.Tools() {
		args := fixtureArgs(t, tool)
		src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
		// The native version must agree with the tool on every input.
		for _, a := range args {
			res, err := in.Call(ctx, src, tool.Func, a, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := native[tool.Task](a); !reflect.DeepEqual(got, res.Value) {
				t.Fatalf("%s: native %v, tool %v", tool.Task, got, res.Value)
			}
		}
		nativeNs := timePerCall(len(args), func(i int) {
			native[tool.Task](args[i])
		})
		inNs := timePerCall(len(args), func(i int) {
			if _, err := in.Call(ctx, src, tool.Func, args[i], nil); err != nil {
				t.Fatal(err)
			}
		})
		subNs := timePerCall(len(args), func(i int) {
			if _, err := sub.Call(ctx, src, tool.Func, args[i], nil); err != nil {
				t.Fatal(err)
			}
		})
		spec, _ := json.Marshal(map[string]any{"source": tool.Source, "func": tool.Func, "args": args})
		specFile := filepath.Join(dir, tool.Task+".json")
		os.WriteFile(specFile, spec, 0o644)
		out, err := exec.Command(py, inproc, specFile).Output()
		if err != nil {
			t.Fatalf("%s under CPython: %v", tool.Task, err)
		}
		pyNs, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		const spawns = 20
		start := time.Now()
		for i := 0; i < spawns; i++ {
			if err := exec.Command(py, onecall, specFile, strconv.Itoa(i)).Run(); err != nil {
				t.Fatal(err)
			}
		}
		pySubNs := float64(time.Since(start).Nanoseconds()) / spawns
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.2f× | %.0f× faster |\n", tool.Task,
			dur(nativeNs), dur(inNs), dur(subNs), dur(pyNs), dur(pySubNs), inNs/pyNs, pySubNs/subNs)
	}
	trivial := starlarkrt.Source{Name: "trivial.star", Code: "def f(x):\n    return x + 1\n"}
	one := []any{int64(1)}
	tin := timePerCall(1, func(int) { in.Call(ctx, trivial, "f", one, nil) })
	tsub := timePerCall(1, func(int) { sub.Call(ctx, trivial, "f", one, nil) })
	fmt.Fprintf(&b, "\nTrivial tool (`def f(x): return x + 1`): latm in process %s per call, latm worker process %s per call.\n", dur(tin), dur(tsub))
	fmt.Fprintf(&b, "\nCPython: %s", strings.TrimSpace(string(version)))
	t.Log("\n" + b.String())
	if out := os.Getenv("LATM_COMPARE_OUT"); out != "" {
		os.WriteFile(out, []byte(b.String()+"\n"), 0o644)
	}
}

// timePerCall calls f over inputs 0..n-1 repeatedly for about half a
// second and returns the mean nanoseconds per call.
func timePerCall(n int, f func(i int)) float64 {
	for i := 0; i < n; i++ {
		f(i)
	}
	calls := 0
	start := time.Now()
	for time.Since(start) < 500*time.Millisecond {
		for i := 0; i < n; i++ {
			f(i)
		}
		calls += n
	}
	return float64(time.Since(start).Nanoseconds()) / float64(calls)
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

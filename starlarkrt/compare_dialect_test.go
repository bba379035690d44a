package starlarkrt_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

// TestCompareDialects prints, as a Markdown table, what the Python front
// end costs: each fixture tool (per call, over its 240 test instances) and
// each paper program (tool plus first use case, per run of the file), in process under
// the Python dialect, under the Starlark dialect (the same runtime, nothing
// rewritten) and, for the paper programs, as plain go.starlark.net
// (ExecFileOptions, no limits, no runtime around it). The variants take
// turns in every round, so load from other processes falls on all alike;
// each figure is the median over the rounds. A program that is not valid
// Starlark shows "—". Run with
// go test ./starlarkrt -run TestCompareDialects -compare -v
func TestCompareDialects(t *testing.T) {
	if !*compare {
		t.Skip("run with -compare")
	}
	const rounds = 11
	ctx := context.Background()
	py := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Limits: starlarkrt.Limits{Timeout: time.Minute}})
	defer py.Close()
	st := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Dialect: starlarkrt.Starlark, Limits: starlarkrt.Limits{Timeout: time.Minute}})
	defer st.Close()

	type row struct {
		name     string
		per      int            // calls or runs each variant makes
		variants []func() error // python, starlark, plain go.starlark.net (nil: not run)
	}
	var rows []row
	for _, tool := range fixtures.Tools() {
		args := fixtureArgs(t, tool)
		src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
		calls := func(rt *starlarkrt.Runtime) func() error {
			return func() error {
				for _, a := range args {
					if _, err := rt.Call(ctx, src, tool.Func, a, nil); err != nil {
						return err
					}
				}
				return nil
			}
		}
		rows = append(rows, row{"tool " + tool.Task, len(args), []func() error{calls(py), calls(st), nil}})
	}
	programs, err := fixtures.PaperPrograms(filepath.Join("testdata", "paper"))
	if err != nil {
		t.Fatal(err)
	}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	for _, p := range programs {
		if !strings.HasSuffix(p.Name, "_1") {
			continue
		}
		tool := starlarkrt.Source{Name: p.Task + ".py", Code: p.Tool}
		use := starlarkrt.Source{Name: p.Name + ".py", Code: p.Use}
		exec := func(rt *starlarkrt.Runtime) func() error {
			return func() error { _, err := rt.Exec(ctx, tool, use); return err }
		}
		// Compiled once, as latm caches its compiled programs.
		var plain func() error
		if _, prog, err := starlark.SourceProgramOptions(opts, p.Name+".py", p.Tool+"\n"+p.Use, func(string) bool { return false }); err == nil {
			plain = func() error { _, err := prog.Init(&starlark.Thread{}, nil); return err }
		}
		rows = append(rows, row{"paper " + p.Name, 1, []func() error{exec(py), exec(st), plain}})
	}

	times := make([][3][]float64, len(rows))
	ok := make([][3]bool, len(rows))
	for i, r := range rows {
		for v, f := range r.variants {
			ok[i][v] = f != nil && f() == nil // warm: compile caches, validity
		}
		if !ok[i][0] {
			t.Fatalf("%s: not valid under the Python dialect", r.name)
		}
	}
	for range rounds {
		for i, r := range rows {
			for v, f := range r.variants {
				if !ok[i][v] {
					continue
				}
				ns, err := timeBatch(f)
				if err != nil {
					t.Fatalf("%s: %v", r.name, err)
				}
				times[i][v] = append(times[i][v], ns/float64(r.per))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| program | latm, Python dialect | latm, Starlark dialect | plain go.starlark.net | Python / Starlark dialect |\n|---|---|---|---|---|\n")
	logSum, n := 0.0, 0
	for i, r := range rows {
		cells := [3]string{"—", "—", "—"}
		var med [3]float64
		for v := range 3 {
			if ok[i][v] {
				med[v] = medianOf(times[i][v])
				cells[v] = dur(med[v])
			}
		}
		ratio := "—"
		if ok[i][1] {
			ratio = fmt.Sprintf("%.2f×", med[0]/med[1])
			logSum += math.Log(med[0] / med[1])
			n++
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.name, cells[0], cells[1], cells[2], ratio)
	}
	if n > 0 {
		fmt.Fprintf(&b, "\nGeometric mean of Python / Starlark dialect over the %d programs valid in both: %.2f×; median of %d interleaved rounds.\n", n, math.Exp(logSum/float64(n)), rounds)
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("LATM_COMPARE_OUT"); out != "" {
		os.WriteFile(out, []byte(b.String()), 0o644)
	}
}

// timeBatch runs f repeatedly for about 100 ms and returns the mean
// nanoseconds per run.
func timeBatch(f func() error) (float64, error) {
	runs := 0
	start := time.Now()
	for time.Since(start) < 100*time.Millisecond {
		if err := f(); err != nil {
			return 0, err
		}
		runs++
	}
	return float64(time.Since(start).Nanoseconds()) / float64(runs), nil
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

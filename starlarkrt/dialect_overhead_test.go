//go:build unix

package starlarkrt_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

var overhead = flag.Bool("overhead", false, "run TestDialectOverhead: time the Python dialect against plain go.starlark.net on the same programs")

// overheadCase is one program valid under both dialects, and one run of it.
type overheadCase struct {
	name string
	reps int // runs per round
	run  func(rt *starlarkrt.Runtime) error
}

// TestDialectOverhead prints, as a Markdown table, what the Python dialect
// costs over plain go.starlark.net (Dialect: Starlark) on every program
// that is valid under both: the fixture tools that are (called on the
// test instances of their task) and the paper programs that are (tool
// plus use case). The two runtimes take turns in rounds and each keeps
// its fastest round, so that load from other processes on the machine
// inflates neither more than the other. Run with
// go test ./starlarkrt -run TestDialectOverhead -overhead -v
func TestDialectOverhead(t *testing.T) {
	if !*overhead {
		t.Skip("run with -overhead")
	}
	ctx := context.Background()
	var cases []overheadCase
	for _, tool := range fixtures.Tools() {
		src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
		args := fixtureArgs(t, tool)
		cases = append(cases, overheadCase{tool.Task, 3, func(rt *starlarkrt.Runtime) error {
			for _, a := range args {
				if _, err := rt.Call(ctx, src, tool.Func, a, nil); err != nil {
					return err
				}
			}
			return nil
		}})
	}
	programs, err := fixtures.PaperPrograms(filepath.Join("testdata", "paper"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range programs {
		tool := starlarkrt.Source{Name: p.Task + ".py", Code: p.Tool}
		use := starlarkrt.Source{Name: p.Name + ".py", Code: p.Use}
		cases = append(cases, overheadCase{"paper " + p.Name, 200, func(rt *starlarkrt.Runtime) error {
			_, err := rt.Exec(ctx, tool, use)
			return err
		}})
	}
	lim := starlarkrt.Limits{Timeout: time.Minute}
	py := starlarkrt.New(starlarkrt.Options{Dialect: starlarkrt.Python, Limits: lim})
	defer py.Close()
	plain := starlarkrt.New(starlarkrt.Options{Dialect: starlarkrt.Starlark, Limits: lim})
	defer plain.Close()

	var b strings.Builder
	fmt.Fprintln(&b, "| program | plain go.starlark.net | latm dialect | dialect / plain |")
	fmt.Fprintln(&b, "|---|---|---|---|")
	var logSum float64
	n := 0
	for _, c := range cases {
		if err := c.run(plain); err != nil {
			t.Logf("%s: not valid plain Starlark: %v", c.name, firstLine(err))
			continue
		}
		if err := c.run(py); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		tp, tq := fastest(t, c, plain, py)
		ratio := float64(tq) / float64(tp)
		logSum += math.Log(ratio)
		n++
		fmt.Fprintf(&b, "| %s | %v | %v | %.2f× |\n", c.name, tp, tq, ratio)
	}
	if n > 0 {
		fmt.Fprintf(&b, "| geometric mean | | | %.2f× |\n", math.Exp(logSum/float64(n)))
	}
	t.Log("\n" + b.String())
}

// fastest runs c on a and b in alternating rounds and returns the
// fastest round of each, in CPU time of the process (user and system, all
// threads: the interpreter and its garbage collection), which other
// processes on a loaded machine inflate far less than wall-clock time.
func fastest(t *testing.T, c overheadCase, a, b *starlarkrt.Runtime) (time.Duration, time.Duration) {
	const rounds = 15
	best := [2]time.Duration{math.MaxInt64, math.MaxInt64}
	for r := 0; r < rounds; r++ {
		for i, rt := range []*starlarkrt.Runtime{a, b} {
			start := cpuTime()
			// Enough repetitions for the round to outlast the clock's
			// granularity.
			for k := 0; k < c.reps; k++ {
				if err := c.run(rt); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
			}
			best[i] = min(best[i], (cpuTime()-start)/time.Duration(c.reps))
		}
	}
	return best[0].Round(time.Microsecond), best[1].Round(time.Microsecond)
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

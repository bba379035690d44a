package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/internal/fixtures"
)

func newBenchRuntimeCmd(app *App) *cobra.Command {
	var dir, python, latm string
	var rounds int
	cmd := &cobra.Command{
		Use:   "runtime [--dir starlarkrt/testdata/paper] [--python python3] [--rounds 11]",
		Short: "latm run against python3 on GPT-4's six paper programs, whole process",
		Long: `bench runtime times, as whole processes, "latm run FILE" (this binary, its
default isolation and limits) against "python3 FILE" on the same file, for
each of the six paper tasks: GPT-4's tool followed by its first use case
(starlarkrt/testdata/paper, tool plus use case as one file, unmodified). The
two take turns in each round, so that load from other processes falls on
both alike; it prints the median wall-clock time of each over the rounds,
their ratio, and the geometric mean of the ratios. latm's answer is checked
against CPython's (expected.json) in every round.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rounds < 1 {
				return usageError("bench runtime: --rounds must be at least 1")
			}
			return benchRuntime(cmd.Context(), app, dir, python, latm, rounds)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", filepath.Join("starlarkrt", "testdata", "paper"), "directory of the paper programs")
	cmd.Flags().StringVar(&python, "python", "python3", "the CPython to compare with")
	cmd.Flags().IntVar(&rounds, "rounds", 11, "rounds of runs")
	cmd.Flags().StringVar(&latm, "latm", "", "the latm binary to time (default: this one), e.g. an older build to compare with")
	return cmd
}

// runtimeBenchFile is one program of bench runtime.
type runtimeBenchFile struct {
	task, path, v string
	want          any
	latm, py      []time.Duration
}

func benchRuntime(ctx context.Context, app *App, dir, python, latm string, rounds int) error {
	programs, err := fixtures.PaperPrograms(dir)
	if err != nil {
		return usageError("bench runtime: %v (fix: run from the repository root or pass --dir)", err)
	}
	py, err := exec.LookPath(python)
	if err != nil {
		return usageError("bench runtime: %v (fix: pass --python)", err)
	}
	self := latm
	if self == "" {
		if self, err = os.Executable(); err != nil {
			return fmt.Errorf("bench runtime: %w", err)
		}
	}
	tmp, err := os.MkdirTemp("", "latm-bench-runtime-")
	if err != nil {
		return fmt.Errorf("bench runtime: %w", err)
	}
	defer os.RemoveAll(tmp)
	var files []*runtimeBenchFile
	for _, p := range programs {
		if !strings.HasSuffix(p.Name, "_1") {
			continue
		}
		f := &runtimeBenchFile{task: p.Task, path: filepath.Join(tmp, p.Task+".py"), v: p.Var, want: p.Expected}
		if err := os.WriteFile(f.path, []byte(p.Tool+"\n"+p.Use), 0o644); err != nil {
			return fmt.Errorf("bench runtime: %w", err)
		}
		files = append(files, f)
	}
	for r := 0; r < rounds; r++ {
		for _, f := range files {
			out, took, err := timeProcess(ctx, self, "run", f.path, "--var", f.v)
			if err != nil {
				return fmt.Errorf("bench runtime: latm run %s: %w", f.task, err)
			}
			var got any
			if err := json.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, f.want) {
				return fmt.Errorf("bench runtime: latm run %s: %s = %s, CPython gives %v", f.task, f.v, bytes.TrimSpace(out), f.want)
			}
			f.latm = append(f.latm, took)
			if _, took, err = timeProcess(ctx, py, f.path); err != nil {
				return fmt.Errorf("bench runtime: %s %s: %w", python, f.task, err)
			}
			f.py = append(f.py, took)
		}
	}
	version, _ := exec.CommandContext(ctx, py, "--version").Output()
	fmt.Fprintf(app.Out, "latm run FILE (%s) vs %s FILE (%s, %s), whole process, median of %d rounds\n\n",
		self, python, py, strings.TrimSpace(string(version)), rounds)
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tLATM RUN\tPYTHON3\tLATM / PYTHON3")
	logSum := 0.0
	for _, f := range files {
		l, p := median(f.latm), median(f.py)
		ratio := float64(l) / float64(p)
		logSum += math.Log(ratio)
		fmt.Fprintf(tw, "%s\t%v\t%v\t%.2f×\n", f.task, l.Round(100*time.Microsecond), p.Round(100*time.Microsecond), ratio)
	}
	fmt.Fprintf(tw, "geometric mean\t\t\t%.2f×\n", math.Exp(logSum/float64(len(files))))
	return tw.Flush()
}

// timeProcess runs a command to its end and returns its stdout and wall
// time; a non-zero exit is an error carrying its stderr.
func timeProcess(ctx context.Context, name string, args ...string) ([]byte, time.Duration, error) {
	var out, errOut bytes.Buffer
	c := exec.CommandContext(ctx, name, args...)
	c.Stdout, c.Stderr = &out, &errOut
	start := time.Now()
	err := c.Run()
	took := time.Since(start)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), took, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

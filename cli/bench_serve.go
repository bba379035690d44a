package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/serve"
	"github.com/latm/latm/starlarkrt"
)

// addBenchServe puts `latm bench serve` under the bench command.
func addBenchServe(root *cobra.Command, app *App) {
	for _, c := range root.Commands() {
		if c.Name() == "bench" {
			c.AddCommand(newBenchServeCmd(app))
		}
	}
}

func newBenchServeCmd(app *App) *cobra.Command {
	var duration time.Duration
	var requests, concurrency int
	var isolation, scenarios string
	cmd := &cobra.Command{
		Use:   "serve [--duration 10s] [--concurrency 8] [--isolation process|inprocess]",
		Short: "Load figures of latm serve on loopback: direct tool calls and /v1/solve on both paths",
		Long: `bench serve starts latm serve on a loopback port over a fresh database with
one tool, and a zero-latency scripted model server on another, then loads it
with keep-alive clients for --duration per scenario (at most 2m; --requests
bounds the count too):

  call              POST /v1/tools/word_sorting/call (sandbox only)
  solve-no-model    POST /v1/solve answered by the template path
  solve-user-model  POST /v1/solve where the user model writes the call

It reports requests per second, p50/p99/max latency, errors, model calls and
the process's memory (resident at start, end and peak; live heap at the end).
Traffic goes only to 127.0.0.1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			iso := starlarkrt.Subprocess
			switch isolation {
			case "process":
			case "inprocess":
				iso = starlarkrt.InProcess
			default:
				return usageError("bench serve: --isolation %q is not process or inprocess", isolation)
			}
			var list []string
			if scenarios != "" {
				list = strings.Split(scenarios, ",")
			}
			rs, err := serve.Bench(cmd.Context(), serve.BenchOptions{Duration: duration, Requests: requests, Concurrency: concurrency, Isolation: iso, Scenarios: list})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "scenario\trequests\terrors\treq/s\tp50\tp99\tmax\tmodel calls\tRSS start→end (peak)\theap end\n")
			mb := func(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t%s→%s (%s)\t%s\n", r.Scenario, r.Requests, r.Errors, r.PerSecond,
					r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.ModelCalls,
					mb(r.RSSStart), mb(r.RSSEnd), mb(r.RSSMax), mb(int64(r.HeapEnd)))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, r := range rs {
				if r.Errors > 0 {
					return &ExitError{Code: ExitFailed, Err: fmt.Errorf("bench serve: %s had %d errors; the first: %s", r.Scenario, r.Errors, r.FirstError)}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&duration, "duration", 10*time.Second, "load time per scenario (at most 2m)")
	f.IntVar(&requests, "requests", 0, "requests per scenario at most (0: as many as the duration allows)")
	f.IntVar(&concurrency, "concurrency", 8, "clients at once")
	f.StringVar(&isolation, "isolation", "process", "where tools run: process (worker processes) or inprocess")
	f.StringVar(&scenarios, "scenarios", "", "comma-separated subset of call, solve-no-model, solve-user-model")
	return cmd
}

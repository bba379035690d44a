package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/latm/latm/dispatch"
)

func newBenchCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks that need no model",
	}
	var sets, n int
	var seed uint64
	dcmd := &cobra.Command{
		Use:   "dispatch [--sets 5] [--n 100] [--seed 1]",
		Short: "Stage-1 routing on the bundled BIG-Bench Hard tasks, in the paper's two set-ups",
		Long: `bench dispatch measures stage 1 of the dispatcher (no model) on the bundled
BIG-Bench Hard tasks. A tool is represented by its usage questions (examples
5–9 of its task); instances come from the test splits. It reports, per
set-up, the accuracy of the decisions stage 1 takes alone and the share of
instances it takes alone (the rest would go to the dispatcher model):

  identification   tools for the six paper tasks, instances from their tests
  new task         tools for 4 random paper tasks; instances from 2 of them and
                   from the 2 other paper tasks, which must be called unknown
  new task (BBH)   the same, with 2 random other BIG-Bench Hard tasks (not of
                   a tool's family) as the unknown ones`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sets < 1 || n < 1 {
				return usageError("bench dispatch: --sets and --n must be at least 1")
			}
			all, err := dispatch.LoadBenchTasks()
			if err != nil {
				return err
			}
			th := dispatch.DefaultThresholds
			rows := dispatch.BenchSetups(th, all, sets, n, seed)
			fmt.Fprintf(app.Out, "stage 1 only, %d sets of %d instances, seed %d, thresholds accept %.2f margin %.2f reject %.2f\n",
				sets, n, seed, th.Accept, th.Margin, th.Reject)
			fmt.Fprintf(app.Out, "%-16s %-22s %s\n", "set-up", "accuracy (confident)", "routed without a model")
			for _, r := range rows {
				fmt.Fprintf(app.Out, "%-16s %-22s %s\n", r.Name, dispatch.FormatPct(r.Accuracy), dispatch.FormatPct(r.NoModel))
			}
			return nil
		},
	}
	f := dcmd.Flags()
	f.IntVar(&sets, "sets", 5, "random sets per set-up")
	f.IntVar(&n, "n", 100, "instances per set")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	cmd.AddCommand(dcmd, newBenchPaperCmd(app))
	return cmd
}

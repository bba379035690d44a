package cli

import (
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
set-up, what stage 1 decided alone — the right tool, a wrong tool, unknown
(right when the task has no tool) — and how many instances it left to the
dispatcher model (stage 2; in brackets, those only the route guard sent
there):

  identification (6)   tools for the six paper tasks, instances from their tests
  new task (paper)     tools for 4 random paper tasks; instances from 2 of them
                       and from the 2 other paper tasks, which must be unknown
  new task (BBH)       the same, with 2 random other BIG-Bench Hard tasks (not
                       of a tool's family) as the unknown ones
  identification (30)  tools for all 30 bundled tasks
  new task (30)        tools for the tasks of 2/3 of the task families; the
                       others' instances must be unknown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sets < 1 || n < 1 {
				return usageError("bench dispatch: --sets and --n must be at least 1")
			}
			th := dispatch.DefaultThresholds
			rows, err := dispatch.RunBench(th, sets, n, seed)
			if err != nil {
				return err
			}
			dispatch.WriteBench(app.Out, th, sets, n, seed, rows)
			return nil
		},
	}
	f := dcmd.Flags()
	f.IntVar(&sets, "sets", 5, "random sets per set-up")
	f.IntVar(&n, "n", 100, "instances per set")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	cmd.AddCommand(dcmd, newBenchPaperCmd(app), newBenchGatewayCmd(app), newBenchTasksCmd(app), newBenchRuntimeCmd(app))
	return cmd
}

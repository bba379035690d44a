package cli

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/spf13/cobra"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/bbh"
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
			rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
			paper := bbh.PaperTasks
			var others []string
			for _, t := range bbh.Tasks() {
				if !slices.Contains(paper, t) {
					others = append(others, t)
				}
			}
			type row struct {
				name     string
				acc, nom []float64
			}
			rows := []*row{{name: "identification"}, {name: "new task"}, {name: "new task (BBH)"}}
			for range sets {
				r := dispatch.Identification(th, all, paper, n, rng)
				rows[0].acc, rows[0].nom = append(rows[0].acc, r.Accuracy()), append(rows[0].nom, r.NoModel())

				perm := rng.Perm(len(paper))
				known := []string{paper[perm[0]], paper[perm[1]], paper[perm[2]], paper[perm[3]]}
				r = dispatch.NewTask(th, all, known, known[:2], []string{paper[perm[4]], paper[perm[5]]}, n, rng)
				rows[1].acc, rows[1].nom = append(rows[1].acc, r.Accuracy()), append(rows[1].nom, r.NoModel())

				var cand []string
				for _, o := range others {
					if !slices.ContainsFunc(known, func(k string) bool { return dispatch.Family(k) == dispatch.Family(o) }) {
						cand = append(cand, o)
					}
				}
				p2 := rng.Perm(len(cand))
				r = dispatch.NewTask(th, all, known, known[:2], []string{cand[p2[0]], cand[p2[1]]}, n, rng)
				rows[2].acc, rows[2].nom = append(rows[2].acc, r.Accuracy()), append(rows[2].nom, r.NoModel())
			}
			fmt.Fprintf(app.Out, "stage 1 only, %d sets of %d instances, seed %d, thresholds accept %.2f margin %.2f reject %.2f\n",
				sets, n, seed, th.Accept, th.Margin, th.Reject)
			fmt.Fprintf(app.Out, "%-16s %-22s %s\n", "set-up", "accuracy (confident)", "routed without a model")
			for _, r := range rows {
				fmt.Fprintf(app.Out, "%-16s %-22s %s\n", r.name, dispatch.FormatPct(r.acc), dispatch.FormatPct(r.nom))
			}
			return nil
		},
	}
	f := dcmd.Flags()
	f.IntVar(&sets, "sets", 5, "random sets per set-up")
	f.IntVar(&n, "n", 100, "instances per set")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	cmd.AddCommand(dcmd)
	return cmd
}

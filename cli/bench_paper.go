package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/paperwrappers"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// benchParser reads dir/task.star and returns it if it verifies on the
// task's training and validation examples, with what to print about it.
func benchParser(ctx context.Context, s *user.Solver, tl *tool.Tool, dir, task string, split bbh.Split) (string, string, error) {
	src, err := os.ReadFile(filepath.Join(dir, task+".star"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "none", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("bench paper: %w", err)
	}
	var labelled []tool.Example
	for _, ex := range append(append([]bbh.Example(nil), split.Train...), split.Valid...) {
		labelled = append(labelled, tool.Example{Question: ex.Question, Answer: ex.Answer})
	}
	problem, err := user.VerifyParser(ctx, s.Runtime, tl, string(src), task, labelled)
	if err != nil {
		return "", "", fmt.Errorf("bench paper: parser of %s: %w", task, err)
	}
	if problem != "" {
		return "", "not verified", nil
	}
	return string(src), "verified", nil
}

func newBenchPaperCmd(app *App) *cobra.Command {
	var n int
	var parsers string
	cmd := &cobra.Command{
		Use:   "paper [--n 240]",
		Short: "GPT-4's own tools from the paper over the bundled BBH test split, with no model",
		Long: `bench paper runs the six tools GPT-4 wrote in the tool-making paper's
reference chats (converted to latm tools by code, with their use cases as
usage examples: real model output, not scripted) over the test split of
their BIG-Bench Hard task, with no endpoint. Each instance is answered with
no model call where the guards of the no-model paths let an answer stand;
the rest are counted as needing a user model. It prints, per task, how many
were answered offline and how many of those were right.

With --parsers DIR, each task's tool also gets the parser in DIR/<task>.star
(examples/parsers holds parsers written by hand, standing in for a maker's
reply: scripted, not model output), used only if it verifies on the task's
training and validation examples as the maker verifies a parser.

Shadow checks are off here (solve.shadow is taken as 0, whatever the
configuration says): they confirm a no-model answer with the user model,
and this benchmark has none; it scores every answer against its label
instead, which is a stricter check. Outside a benchmark, an answer no
shadow check has confirmed is never returned without the user model.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 {
				return usageError("bench paper: --n must be at least 1")
			}
			// Shadow 0: there is no model to check with; the labels check
			// every answer instead (the long help says so).
			s := &user.Solver{Runtime: app.Runtime(), Template: true, Shadow: 0}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TASK (GPT-4's tool)\tPARSER\tTEST\tANSWERED OFFLINE\tRIGHT\tNEED A USER MODEL")
			totalN, totalTaken, totalRight := 0, 0, 0
			for _, task := range paperwrappers.Tasks() {
				tl, err := paperwrappers.Tool(task)
				if err != nil {
					return err
				}
				tl.Version = 1
				split, err := bbh.LoadSplit(task)
				if err != nil {
					return err
				}
				parser := "-"
				if parsers != "" {
					if tl.Parser, parser, err = benchParser(cmd.Context(), s, tl, parsers, task, split); err != nil {
						return err
					}
				}
				test := split.Test[:min(n, len(split.Test))]
				// The instances are independent: answer them on every core
				// (GPT-4's remainder tool searches for seconds per question).
				var takenN, rightN atomic.Int64
				g, gctx := errgroup.WithContext(cmd.Context())
				g.SetLimit(runtime.GOMAXPROCS(0))
				for _, ex := range test {
					g.Go(func() error {
						run, ok, err := s.AnswerOffline(gctx, tl, ex.Question)
						if err != nil || !ok {
							return err
						}
						takenN.Add(1)
						if answer.Correct(task, run.Answer, ex.Answer) {
							rightN.Add(1)
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					return err
				}
				taken, right := int(takenN.Load()), int(rightN.Load())
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", task, parser, len(test), taken, right, len(test)-taken)
				totalN, totalTaken, totalRight = totalN+len(test), totalTaken+taken, totalRight+right
			}
			fmt.Fprintf(tw, "all\t\t%d\t%d\t%d\t%d\n", totalN, totalTaken, totalRight, totalN-totalTaken)
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err := fmt.Fprintln(app.Out, "shadow checks: none (solve.shadow 0 for this benchmark: no model to check with; every answer is scored against its label)")
			return err
		},
	}
	cmd.Flags().IntVar(&n, "n", 240, "test instances per task")
	cmd.Flags().StringVar(&parsers, "parsers", "", "directory of <task>.star parsers to verify and use (scripted, not model output)")
	return cmd
}

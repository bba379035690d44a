package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func newRunsCmd(app *App) *cobra.Command {
	var batch string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs [--batch BATCH [ID...]]",
		Short: "Show what happened to inputs: the batches, a batch's runs, or whole run records",
		Long: `runs reads the runs latm recorded for every solved (or failed) instance.

With no flags it lists the batches (latm solve --input and latm stream
record their runs under one). With --batch it lists that batch's runs:
input id, tool, whether it succeeded, and the answer or the error. Given
input ids as well, it prints their whole records as JSON: the question, the
call code (and whether it came from a tool's template), the raw result,
the answer and the error.`,
		RunE: func(cmd *cobra.Command, ids []string) error {
			eng, err := app.Engine()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if batch == "" {
				if len(ids) > 0 {
					return usageError("runs: name the batch of %s with --batch (latm runs lists the batches)", ids[0])
				}
				batches, err := eng.Batches(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					if batches == nil {
						batches = []library.BatchSummary{}
					}
					return writeJSON(app.Out, batches)
				}
				if len(batches) == 0 {
					fmt.Fprintf(app.Out, "no runs recorded in %s\n", app.Cfg.DB)
					return nil
				}
				tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "BATCH\tRUNS\tOK\tFAILED\tLAST")
				for _, b := range batches {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", displayBatch(b.Batch), b.Runs, b.OK, b.Failed, b.Last.Local().Format("2006-01-02 15:04"))
				}
				return tw.Flush()
			}
			if batch == "-" {
				batch = ""
			}
			runs, err := eng.Runs(ctx, batch)
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				var records []runRecord
				for _, id := range ids {
					r, ok := runs[id]
					if !ok {
						return &ExitError{Code: ExitFailed, Err: fmt.Errorf("runs: batch %s has no run for input %q (latm runs --batch %s lists them)", displayBatch(batch), id, displayBatch(batch))}
					}
					records = append(records, newRunRecord(r))
				}
				if len(records) == 1 {
					return writeJSON(app.Out, records[0])
				}
				return writeJSON(app.Out, records)
			}
			list := make([]*tool.Run, 0, len(runs))
			for _, r := range runs {
				list = append(list, r)
			}
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			if asJSON {
				records := make([]runRecord, 0, len(list))
				for _, r := range list {
					records = append(records, newRunRecord(r))
				}
				return writeJSON(app.Out, records)
			}
			if len(list) == 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("runs: no runs in batch %s (latm runs lists the batches)", displayBatch(batch))}
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTOOL\tOK\tANSWER OR ERROR")
			for _, r := range list {
				out := r.Answer
				if !r.OK {
					out = "error: " + r.Error
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", r.InputID, toolOf(r), r.OK, clipLine(out, 80))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			by, err := eng.BatchPathStats(ctx, batch)
			if err != nil {
				return err
			}
			for _, line := range describeBatchPaths(by) {
				fmt.Fprintln(app.Out, line)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&batch, "batch", "", `the batch to show ("-" for one-off solves)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// displayBatch names the batch of one-off solves, whose id is empty.
func displayBatch(b string) string {
	if b == "" {
		return "-"
	}
	return b
}

// toolOf names the tool of a run; a run without one is the solver's answer
// to an instance of an unknown task.
func toolOf(r *tool.Run) string {
	if r.ToolName == "" {
		return "(solver)"
	}
	return tool.Ref(r.ToolName, r.ToolVersion)
}

func clipLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

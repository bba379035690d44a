package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/latm/latm/library"
)

// savingsReport is the JSON shape of latm cost --savings.
type savingsReport struct {
	Direct  library.DirectPrice  `json:"direct_estimated"`
	Tools   []library.SavingsRow `json:"tools"`
	Batches []library.SavingsRow `json:"batches"`
}

// runSavings prints, per tool and per batch, the instances each path
// answered, the model calls and their cost, and what the configured strong
// (solver) model answering every instance directly would have cost.
func runSavings(ctx context.Context, app *App, store *library.Store, asJSON bool) error {
	d, err := store.EstimateDirect(ctx, app.Cfg.Solver.PriceIn, app.Cfg.Solver.PriceOut)
	if err != nil {
		return err
	}
	rep := savingsReport{Direct: d}
	if rep.Tools, err = store.Savings(ctx, "tool", d); err != nil {
		return err
	}
	if rep.Batches, err = store.Savings(ctx, "batch", d); err != nil {
		return err
	}
	if rep.Tools == nil {
		rep.Tools, rep.Batches = []library.SavingsRow{}, []library.SavingsRow{}
	}
	if asJSON {
		return writeJSON(app.Out, rep)
	}
	if len(rep.Tools) == 0 {
		fmt.Fprintf(app.Out, "no solved instances recorded in %s\n", app.Cfg.DB)
		return nil
	}
	fmt.Fprintf(app.Out, "direct answers by the strong model (%s) estimated at %.6f per instance, from %s\n\n", app.Cfg.Solver.Model, d.PerCall, d.Basis)
	for _, part := range []struct {
		title string
		rows  []library.SavingsRow
	}{{"TOOL", rep.Tools}, {"BATCH", rep.Batches}} {
		tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tINSTANCES\tPARSER\tTEMPLATE\tUSER\tUSER CALLS\tUSER COST\tMAKE COST\tDIRECT COST*\tSAVED*\tBREAK-EVEN\n", part.title)
		for _, r := range part.rows {
			be := fmt.Sprint(r.BreakEven)
			switch {
			case part.title == "BATCH":
				be = "-"
			case r.BreakEven < 0:
				be = "never"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%s\n", orNone(r.Key), r.Instances, r.Parser, r.Template, r.User+r.Unknown,
				r.UserCalls, r.UserCost, r.MakeCost, r.DirectCost, r.Saved, be)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(app.Out)
	}
	fmt.Fprintln(app.Out, "* estimated: the strong model's prices times the tokens of comparable recorded calls; a batch's user cost is its user-path instances at the average user call's cost")
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// savingsReport is the JSON shape of latm cost --savings.
type savingsReport struct {
	Direct  library.DirectPrice  `json:"direct_estimated"`
	Tools   []library.SavingsRow `json:"tools"`
	Batches []library.SavingsRow `json:"batches"`
	// Gateway sums the OpenAI-compatible endpoint's requests of every
	// tenant; GatewayTenants has the same per tenant.
	Gateway        tool.GatewaySavings   `json:"gateway"`
	GatewayTenants []tool.GatewaySavings `json:"gateway_tenants"`
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
	if rep.Gateway, err = store.GatewaySavings(ctx, ""); err != nil {
		return err
	}
	tenants, err := store.GatewayTenants(ctx)
	if err != nil {
		return err
	}
	rep.GatewayTenants = []tool.GatewaySavings{}
	for _, tn := range tenants {
		g, err := store.GatewaySavings(ctx, tn)
		if err != nil {
			return err
		}
		rep.GatewayTenants = append(rep.GatewayTenants, g)
	}
	if asJSON {
		return writeJSON(app.Out, rep)
	}
	if len(rep.Tools) == 0 && rep.Gateway.Requests == 0 {
		fmt.Fprintf(app.Out, "no solved instances and no gateway requests recorded in %s\n", app.Cfg.DB)
		return nil
	}
	if len(rep.Tools) > 0 {
		if err := printToolSavings(app, rep); err != nil {
			return err
		}
	}
	if rep.Gateway.Requests > 0 {
		if len(rep.Tools) > 0 {
			fmt.Fprintln(app.Out)
		}
		return printGatewaySavings(app, rep)
	}
	return nil
}

// printToolSavings is the per-tool and per-batch part of the report.
func printToolSavings(app *App, rep savingsReport) error {
	d := rep.Direct
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

// printGatewaySavings is the OpenAI-compatible endpoint's part: per tenant
// and in all, what upstream alone would have cost against what was spent.
func printGatewaySavings(app *App, rep savingsReport) error {
	g := rep.Gateway
	fmt.Fprintf(app.Out, "gateway: %d requests, %d answered by tools with no upstream call (%d upstream calls saved, %d made)\n\n",
		g.Requests, g.UpstreamSaved, g.UpstreamSaved, g.UpstreamCalls)
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tREQUESTS\tBY TOOL\tUPSTREAM CALLS\tWOULD HAVE COST\tSPENT\tSAVED\tESTIMATED*\tAGREED")
	row := func(name string, s tool.GatewaySavings) {
		agreed := "-"
		if s.Compared > 0 {
			agreed = fmt.Sprintf("%d/%d", s.Agreed, s.Compared)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t%d (%.4f)\t%s\n", name, s.Requests, s.UpstreamSaved, s.UpstreamCalls,
			s.WouldHaveCost, s.Spent, s.WouldHaveCost-s.Spent, s.Estimated, s.EstimatedCost, agreed)
	}
	for _, t := range rep.GatewayTenants {
		row(orNone(t.Tenant), t)
	}
	if len(rep.GatewayTenants) > 1 {
		row("(all)", g)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(app.Out, "\n* estimated: requests a live tool answered alone have no upstream call; what it would have cost is estimated from the group's forwarded and shadowed requests at upstream's prices (counted in WOULD HAVE COST, never in SPENT)")
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

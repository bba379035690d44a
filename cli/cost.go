package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latm/latm/library"
)

// costReport is the JSON shape of latm cost.
type costReport struct {
	By    string            `json:"by"`
	Rows  []library.CostRow `json:"rows"`
	Total library.CostRow   `json:"total"`
}

func newCostCmd(app *App) *cobra.Command {
	var by string
	var asJSON, savings bool
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Sum the model calls in the ledger: calls, cache hits, tokens and money",
		Long: `cost sums every model call latm has made with this database, grouped by
role, model, tool or day (UTC). Cache hits and replayed calls cost nothing
and count no tokens. Money is in the unit of the configured prices
(<role>.price_in and <role>.price_out, per million tokens).

With --savings it reports, per tool and per batch, how many instances each
path answered (parser and template: no model call; user: the user model
wrote the call), the user calls and making cost, an estimate of what the
strong (solver) model would have cost answering every instance directly,
and per tool the break-even: the instances that repay the making. It also
prints the OpenAI-compatible gateway's figures per tenant: requests, those
answered by tools with no upstream call, what upstream alone would have
cost against what was spent, and how much of that is estimated.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if savings {
				store, err := app.Store()
				if err != nil {
					return err
				}
				return runSavings(cmd.Context(), app, store, asJSON)
			}
			switch by {
			case "role", "model", "tool", "day":
			default:
				return usageError("--by %q: want role, model, tool or day", by)
			}
			eng, err := app.Engine()
			if err != nil {
				return err
			}
			rows, err := eng.Cost(cmd.Context(), by)
			if err != nil {
				return err
			}
			rep := costReport{By: by, Rows: rows, Total: library.CostRow{Key: "total"}}
			if rep.Rows == nil {
				rep.Rows = []library.CostRow{}
			}
			for _, r := range rows {
				rep.Total.Calls += r.Calls
				rep.Total.CacheHits += r.CacheHits
				rep.Total.TokensIn += r.TokensIn
				rep.Total.TokensOut += r.TokensOut
				rep.Total.Cost += r.Cost
				rep.Total.Estimated += r.Estimated
			}
			if asJSON {
				return writeJSON(app.Out, rep)
			}
			if len(rows) == 0 {
				fmt.Fprintf(app.Out, "no model calls recorded in %s\n", app.Cfg.DB)
				return nil
			}
			tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "%s\tCALLS\tCACHE HITS\tTOKENS IN\tTOKENS OUT\tCOST\n", costHeader(by))
			for _, r := range append(rows, rep.Total) {
				key := r.Key
				if key == "" {
					key = "(none)"
				}
				mark := ""
				if r.Estimated > 0 {
					mark = "*"
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d%s\t%d%s\t%.4f%s\n", key, r.Calls, r.CacheHits, r.TokensIn, mark, r.TokensOut, mark, r.Cost, mark)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if rep.Total.Estimated > 0 {
				fmt.Fprintf(app.Out, "* includes %d calls whose server sent no token usage: their tokens (and cost) are estimated from text length\n", rep.Total.Estimated)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "role", "group by role, model, tool or day")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&savings, "savings", false, "report what the no-model paths saved, per tool and batch, and what the gateway saved per tenant")
	return cmd
}

func costHeader(by string) string {
	return map[string]string{"role": "ROLE", "model": "MODEL", "tool": "TOOL", "day": "DAY"}[by]
}

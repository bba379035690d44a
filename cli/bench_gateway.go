package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/latm/latm/internal/gatewaybench"
)

func newBenchGatewayCmd(app *App) *cobra.Command {
	var o gatewaybench.Options
	cmd := &cobra.Command{
		Use:   "gateway [--requests 1000] [--one-off 0.15] [--seed 1] [--shadow 20] [--stream]",
		Short: "The OpenAI-compatible gateway end to end on scripted traffic: share served by tools, agreement, latency added",
		Long: `bench gateway sends scripted traffic through the go-openai client to the
gateway over a fresh library, on loopback: four templated tasks (one whose
first tool is wrong beyond its examples) mixed with one-off questions, a
scripted upstream that answers each task in its own reply shape, and
scripted maker and user models. Every model is a script, so the figures
describe latm's machinery, not a model's accuracy.

It reports how requests were served, the share answered by tools, how many
replies read as the true answer, shadow and spot agreement, upstream calls
made and saved, whether a wrong tool ever went live, and the latency latm
adds on forwarded requests (each one sent again straight to upstream).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Requests < 0 || o.OneOff > 1 {
				return usageError("bench gateway: --requests must be positive and --one-off at most 1")
			}
			r, err := gatewaybench.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			us := func(d time.Duration) string { return d.Round(time.Microsecond).String() }
			w := app.Out
			fmt.Fprintf(w, "requests            %d in %s (scripted upstream and models; no real model)\n", r.Requests, r.Elapsed.Round(time.Millisecond))
			fmt.Fprintf(w, "served              %v\n", r.ByServed)
			fmt.Fprintf(w, "answered by tools   %d (%.1f%%)\n", r.ServedByTools, 100*float64(r.ServedByTools)/float64(r.Requests))
			fmt.Fprintf(w, "replies correct     %d of %d with a short true answer\n", r.Correct, r.WithAnswer)
			fmt.Fprintf(w, "agreement           %d of %d shadow and spot comparisons\n", r.Agreed, r.Compared)
			fmt.Fprintf(w, "upstream calls      %d made, %d saved; cost %.4f of %.4f saved (upstream's prices)\n", r.UpstreamCalls, r.UpstreamSaved, r.SavedCost, r.WouldHaveCost)
			fmt.Fprintf(w, "tools               %d versions made, %d live, %d wrong ones ever live\n", r.ToolsMade, r.ToolsLive, r.WrongLive)
			fmt.Fprintf(w, "added on forwarding p50 %s, p90 %s (client through latm %s vs straight %s)\n", us(r.AddedP50), us(r.AddedP90), us(r.ForwardedP50), us(r.DirectP50))
			fmt.Fprintf(w, "gateway's own time  p50 %s, p99 %s beyond the upstream call\n", us(r.InternalP50), us(r.InternalP99))
			fmt.Fprintf(w, "tool answers        p50 %s client latency\n", us(r.ToolP50))
			if r.WrongLive > 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("bench gateway: a tool that disagrees with upstream went live")}
			}
			if r.FirstWrong != "" {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("bench gateway: a reply %q does not read as %q", r.FirstWrong, r.FirstWrongWant)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Requests, "requests", 1000, "requests to send")
	f.Float64Var(&o.OneOff, "one-off", 0.15, "share of one-off questions (0 for none)")
	f.Uint64Var(&o.Seed, "seed", 1, "traffic seed")
	f.IntVar(&o.Shadow, "shadow", 20, "requests a new tool answers beside upstream before it is judged")
	f.BoolVar(&o.Stream, "stream", true, "send every other request streamed")
	return cmd
}

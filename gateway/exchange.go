package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// exchange is one candidate request on its way through the gateway.
type exchange struct {
	g        *Gateway
	w        http.ResponseWriter
	r        *http.Request
	body     []byte
	req      *chatRequest
	question string
	rec      *tool.GatewayRequest
	client   Client
	start    time.Time
	id       string
}

// serve routes the instance and answers it with a live tool, or forwards
// it. Whatever latm fails at before it writes a byte goes to upstream.
func (x *exchange) serve() {
	g := x.g
	d := g.dispatcher(x.client.Tenant)
	var t *tool.Tool
	err := safely(func() error {
		var err error
		t, _, err = d.Router.Confident(x.r.Context(), x.question)
		return err
	})
	if err != nil {
		x.fallback("route: "+err.Error(), nil)
		return
	}
	if t == nil {
		x.upstream(d)
		return
	}
	x.rec.Tool = t.Ref()
	phase, err := g.learn.phase(x.r.Context(), g.store, t)
	if err != nil {
		x.fallback("read the tool's phase: "+err.Error(), t)
		return
	}
	if phase == tool.PhaseLive {
		x.live(t)
		return
	}
	x.shadow(t)
}

// safely runs f, turning a panic into an error so that the request still
// reaches upstream.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return f()
}

// upstream forwards an instance no tool fits and pools its answer.
func (x *exchange) upstream(d *dispatch.Dispatcher) {
	g := x.g
	x.rec.Served = tool.ServedUpstream
	f := g.forward(x.r.Context(), x.w, x.r, x.body)
	rep := g.settle(x.rec, f, x.req.Stream, x.start)
	g.background(x.client, func(ctx context.Context) {
		defer g.record(ctx, x.rec)
		if f.status != http.StatusOK || !f.complete || rep.Finish == "length" {
			return
		}
		ans, ok := shortAnswer(rep.Content, g.cfg.MaxAnswer)
		if !ok {
			x.rec.Detail = "upstream's reply has no short answer: not pooled"
			return
		}
		if g.learn.isBlocked(x.client.Tenant, x.question) {
			x.rec.Detail = "like the questions of a tool stage 1 cannot route to: not pooled"
			return
		}
		group, fit, err := d.Add(ctx, dispatch.Instance{Batch: Batch, ID: x.id, Question: x.question, Answer: ans, LabelSource: "upstream"})
		if err != nil {
			g.log.Warn("gateway: pool a request", slog.String("error", err.Error()))
			return
		}
		if fit != nil {
			// Made since the request was routed: it is that tool's task.
			x.rec.Detail = fit.Ref() + " fits it now: not pooled"
			return
		}
		x.rec.Group = group
		g.learn.observe(groupKey(x.client.Tenant, group), rep, ans)
		g.makeSoon(x.client)
	})
}

// solveWith answers the instance with t within the tool timeout and
// returns the run and what latm's own model calls cost.
func (x *exchange) solveWith(ctx context.Context, t *tool.Tool) (*tool.Run, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, x.g.cfg.ToolTimeout)
	defer cancel()
	mctx, meter := llm.WithMeter(ctx)
	var run *tool.Run
	err := safely(func() error {
		var err error
		run, err = x.g.solve.Solve(mctx, t, user.Instance{Batch: Batch, ID: x.id, Question: x.question})
		return err
	})
	return run, meter.Totals().Cost, err
}

// live answers with a live tool, spot-checked at the configured rate.
func (x *exchange) live(t *tool.Tool) {
	g := x.g
	run, cost, err := x.solveWith(x.r.Context(), t)
	x.rec.LatmCost = cost
	switch {
	case err != nil:
		x.fallback("the tool's run failed: "+err.Error(), t)
		return
	case !run.OK:
		x.fallback("the tool's run failed: "+run.Error, t)
		return
	}
	text, ok := g.learn.shapeOf(toolKey(t)).render(run.Answer)
	if !ok {
		x.fallback("no reply shape that reads back as the tool's answer yet", t)
		return
	}
	x.w.Header().Set(ToolHeader, t.Ref())
	writeAnswer(x.w, x.req, "chatcmpl-latm-"+x.id, text, estimateTokens(len(x.body)))
	x.rec.Duration = time.Since(x.start)
	x.rec.Overhead = x.rec.Duration
	x.rec.Served = tool.ServedTool
	in, out := g.learn.tokens(toolKey(t), estimateTokens(len(x.body)), estimateTokens(len(text)))
	x.rec.UpstreamCost, x.rec.Estimated = g.price(in, out), true
	if g.rand() >= g.cfg.SpotRate {
		g.background(x.client, func(ctx context.Context) { g.record(ctx, x.rec) })
		return
	}
	x.rec.Served = tool.ServedSpot
	header := x.r.Header.Clone()
	g.background(x.client, func(ctx context.Context) {
		defer g.record(ctx, x.rec)
		rep, err := g.ask(ctx, header, x.body)
		if err != nil {
			x.rec.Detail = "spot check: " + err.Error()
			return
		}
		x.rec.UpstreamPromptTokens, x.rec.UpstreamCompletionTokens = rep.PromptTokens, rep.CompletionTokens
		x.rec.UpstreamCost, x.rec.Estimated = g.price(rep.PromptTokens, rep.CompletionTokens), false
		ans, _ := shortAnswer(rep.Content, g.cfg.MaxAnswer)
		agreed := ans != "" && answer.Correct("", run.Answer, ans)
		x.rec.Agreed = &agreed
		if ans != "" {
			g.learn.observe(toolKey(t), rep, ans)
		}
		g.spotChecked(ctx, x.client.Tenant, t, agreed)
	})
}

// shadow forwards the request and, on the side, answers it with a tool in
// shadow and scores the agreement.
func (x *exchange) shadow(t *tool.Tool) {
	g := x.g
	x.rec.Served = tool.ServedShadow
	f := g.forward(x.r.Context(), x.w, x.r, x.body)
	rep := g.settle(x.rec, f, x.req.Stream, x.start)
	g.background(x.client, func(ctx context.Context) {
		defer g.record(ctx, x.rec)
		if f.status != http.StatusOK || !f.complete {
			x.rec.Detail = fmt.Sprintf("upstream answered %d: nothing to compare", f.status)
			return
		}
		ans, _ := shortAnswer(rep.Content, g.cfg.MaxAnswer)
		if ans != "" {
			g.learn.observe(toolKey(t), rep, ans)
		}
		run, cost, err := x.solveWith(ctx, t)
		x.rec.LatmCost = cost
		got := ""
		if err == nil && run.OK {
			got = run.Answer
		} else if err != nil {
			x.rec.Detail = "shadow run: " + err.Error()
		} else {
			x.rec.Detail = "shadow run: " + run.Error
		}
		agreed := ans != "" && got != "" && answer.Correct("", got, ans)
		x.rec.Agreed = &agreed
		g.shadowed(ctx, x.client.Tenant, t, tool.Example{Question: x.question, Answer: ans}, got, agreed)
	})
}

// fallback forwards a request latm could not answer: the client gets
// upstream's reply, as if latm were not there.
func (x *exchange) fallback(why string, t *tool.Tool) {
	g := x.g
	x.rec.Served, x.rec.Detail = tool.ServedFallback, why
	f := g.forward(x.r.Context(), x.w, x.r, x.body)
	rep := g.settle(x.rec, f, x.req.Stream, x.start)
	g.background(x.client, func(ctx context.Context) {
		defer g.record(ctx, x.rec)
		if t == nil || f.status != http.StatusOK || !f.complete {
			return
		}
		if ans, ok := shortAnswer(rep.Content, g.cfg.MaxAnswer); ok {
			g.learn.observe(toolKey(t), rep, ans)
		}
	})
}

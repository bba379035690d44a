// Package gatewaybench measures the gateway end to end on the scripted
// world of internal/gatewaysim: a traffic generator mixing templated tasks
// with one-off questions, sent through the go-openai client to a gateway
// over a fresh library, with a scripted upstream and scripted models of
// latm's own, all on loopback. The figures describe latm's machinery
// (routing, pooling, shadowing, the answers' shape, the time it adds), not
// any real model: every model here is a script.
package gatewaybench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/gateway"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/gatewaysim"
	"github.com/latm/latm/library"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// Options steer a run. Zero values take the defaults noted.
type Options struct {
	Requests int     // requests sent; 0 means 1000
	OneOff   float64 // share of one-off questions; 0: none
	Seed     uint64  // traffic seed; 0 means 1
	Shadow   int     // gateway.shadow; 0 means 20
	// Stream sends every other request streamed (with usage).
	Stream bool
}

// Result is what a run measured.
type Result struct {
	Requests      int
	ByServed      map[string]int
	ServedByTools int // answered by a live tool (no upstream call)
	Correct       int // replies that read as the true answer (of those with one)
	WithAnswer    int
	Agreed        int // shadow and spot comparisons that agreed
	Compared      int
	UpstreamCalls int
	UpstreamSaved int
	ToolsMade     int
	ToolsLive     int
	WrongLive     int // live versions of a tool that is wrong beyond its examples
	// The latency latm adds on forwarded requests: the client's latency
	// through latm minus its latency straight to upstream, request by
	// request (the same question sent both ways), and the gateway's own
	// measure (its time beyond the upstream call).
	AddedP50, AddedP90         time.Duration
	InternalP50, InternalP99   time.Duration
	ForwardedP50, DirectP50    time.Duration
	ToolP50                    time.Duration // client latency of tool-answered requests
	Elapsed                    time.Duration
	SavedCost, WouldHaveCost   float64
	FirstWrong, FirstWrongWant string
}

// Run runs the benchmark.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Requests <= 0 {
		o.Requests = 1000
	}
	o.OneOff = max(o.OneOff, 0)
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Shadow <= 0 {
		o.Shadow = 20
	}
	dir, err := os.MkdirTemp("", "latm-bench-gateway")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tasks := gatewaysim.Tasks()
	up, models := fakeopenai.Start(), fakeopenai.Start()
	defer up.Close()
	defer models.Close()
	gatewaysim.Upstream(up, tasks)
	gatewaysim.Models(models, tasks)

	lib, err := library.Open(filepath.Join(dir, "latm.db"))
	if err != nil {
		return nil, err
	}
	defer lib.Close()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	ec := engine.Defaults()
	ec.BaseURL, ec.Cache = models.URL, false
	ec.Getenv = func(string) string { return "sk-bench" }
	for r, rc := range ec.Roles {
		rc.MaxRetries = 0
		ec.Roles[r] = rc
	}
	e, err := engine.New(ec, lib, rt)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	mem := gateway.NewMemStore()
	cfg := gateway.Defaults()
	cfg.Upstream, cfg.Model, cfg.ShadowN = up.URL, "gpt-up", o.Shadow
	gw, err := gateway.New(cfg, gateway.Deps{Store: mem, Pool: lib, Solver: e.Solver(), Maker: e.Maker(0, 0), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer gw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		gw.Chat(w, r.WithContext(gateway.WithClient(r.Context(), gateway.Client{ForwardAuth: true})))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	viaCfg := openai.DefaultConfig("sk-client")
	viaCfg.BaseURL = srv.URL + "/v1"
	via := openai.NewClientWithConfig(viaCfg)
	dirCfg := openai.DefaultConfig("sk-client")
	dirCfg.BaseURL = up.URL
	direct := openai.NewClientWithConfig(dirCfg)

	res := &Result{Requests: o.Requests, ByServed: map[string]int{}}
	traffic := gatewaysim.NewTraffic(o.Seed, tasks, o.OneOff)
	var added, forwardedLat, directLat, toolLat []time.Duration
	start := time.Now()
	for i := range o.Requests {
		it := traffic.Next()
		stream := o.Stream && i%2 == 1
		d1, content, toolRef, err := timed(ctx, via, it.Question, stream)
		if err != nil {
			return nil, fmt.Errorf("request %d through latm: %w", i, err)
		}
		gw.Wait()
		if it.Answer != "" {
			res.WithAnswer++
			if answer.FromReply(content) == it.Answer {
				res.Correct++
			} else if res.FirstWrong == "" {
				res.FirstWrong, res.FirstWrongWant = content, it.Answer
			}
		}
		if toolRef != "" {
			toolLat = append(toolLat, d1)
			continue
		}
		// Forwarded: the same request straight to upstream right after, on
		// a warm connection as the one through latm was.
		d2, _, _, err := timed(ctx, direct, it.Question, stream)
		if err != nil {
			return nil, fmt.Errorf("request %d direct: %w", i, err)
		}
		forwardedLat = append(forwardedLat, d1)
		directLat = append(directLat, d2)
		added = append(added, d1-d2)
	}
	res.Elapsed = time.Since(start)
	var internal []time.Duration
	for _, r := range mem.Requests() {
		res.ByServed[r.Served]++
		if r.Agreed != nil {
			res.Compared++
			if *r.Agreed {
				res.Agreed++
			}
		}
		switch r.Served {
		case tool.ServedPassthrough, tool.ServedUpstream, tool.ServedShadow, tool.ServedFallback:
			internal = append(internal, r.Overhead)
		}
	}
	s, err := mem.GatewaySavings(ctx, "")
	if err != nil {
		return nil, err
	}
	res.ServedByTools, res.UpstreamCalls, res.UpstreamSaved = res.ByServed[tool.ServedTool], s.UpstreamCalls, s.UpstreamSaved
	res.WouldHaveCost, res.SavedCost = s.WouldHaveCost, s.WouldHaveCost-s.Spent
	tools, err := lib.Tools(ctx, true)
	if err != nil {
		return nil, err
	}
	res.ToolsMade = len(tools)
	for _, t := range tools {
		p, err := mem.ToolPhase(ctx, t.Name, t.Version)
		if err != nil {
			return nil, err
		}
		changes, _ := mem.PhaseChanges(ctx, t.Name)
		wasLive := false
		for _, c := range changes {
			wasLive = wasLive || c.Version == t.Version && c.To == tool.PhaseLive
		}
		if p == tool.PhaseLive {
			res.ToolsLive++
		}
		if wasLive && wrongTool(tasks, t) {
			res.WrongLive++
		}
	}
	res.AddedP50, res.AddedP90 = quantile(added, 0.5), quantile(added, 0.9)
	res.InternalP50, res.InternalP99 = quantile(internal, 0.5), quantile(internal, 0.99)
	res.ForwardedP50, res.DirectP50, res.ToolP50 = quantile(forwardedLat, 0.5), quantile(directLat, 0.5), quantile(toolLat, 0.5)
	return res, nil
}

// wrongTool reports whether t is a task's tool that is wrong beyond its
// first examples.
func wrongTool(tasks []gatewaysim.Task, t *tool.Tool) bool {
	for _, task := range tasks {
		if task.Wrong && t.Source == task.Tool {
			return true
		}
	}
	return false
}

// timed sends q and reads the whole reply, returning the client latency.
func timed(ctx context.Context, c *openai.Client, q string, stream bool) (time.Duration, string, string, error) {
	req := openai.ChatCompletionRequest{Model: "gpt-client", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: q}}}
	start := time.Now()
	if !stream {
		resp, err := c.CreateChatCompletion(ctx, req)
		if err != nil {
			return 0, "", "", err
		}
		if len(resp.Choices) != 1 {
			return 0, "", "", errors.New("a reply without one choice")
		}
		return time.Since(start), resp.Choices[0].Message.Content, resp.Header().Get(gateway.ToolHeader), nil
	}
	req.Stream, req.StreamOptions = true, &openai.StreamOptions{IncludeUsage: true}
	st, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return 0, "", "", err
	}
	defer st.Close()
	var content string
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, "", "", err
		}
		for _, c := range ch.Choices {
			content += c.Delta.Content
		}
	}
	return time.Since(start), content, st.Header().Get(gateway.ToolHeader), nil
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

package gateway

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/gatewaysim"
	"github.com/latm/latm/tool"
)

// Traffic mixing four templated tasks with one-off questions, through the
// go-openai client, plain and streamed: every reply reads as the true
// answer, the three tools the maker gets right go live and answer, the
// one that is wrong beyond its examples never goes live, and the figures
// are reported.
func TestGatewayEndToEnd(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	c := w.client("", "sk-client")
	traffic := gatewaysim.NewTraffic(1, w.tasks, 0.15)
	const n = 200
	for i := range n {
		it := traffic.Next()
		rep, err := ask(ctx, c, it.Question, i%2 == 1)
		if err != nil {
			t.Fatalf("request %d (%q): %v", i, it.Question, err)
		}
		if rep.Model == "" || rep.Finish != "stop" || rep.Usage == nil || rep.Usage.TotalTokens == 0 {
			t.Errorf("request %d: model %q finish %q usage %+v", i, rep.Model, rep.Finish, rep.Usage)
		}
		if it.Answer != "" && answerOf(rep.Content) != it.Answer {
			t.Errorf("request %d (%q, tool %q): reply %q reads as %q, want %q", i, it.Question, rep.Tool, rep.Content, answerOf(rep.Content), it.Answer)
		}
		if rep.Tool != "" && rep.Model != "gpt-client" {
			t.Errorf("request %d: a tool's reply names model %q, want the requested gpt-client", i, rep.Model)
		}
		t0 := time.Now()
		w.gw.Wait()
		if d := time.Since(t0); d > 200*time.Millisecond {
			t.Logf("request %d: background work took %s", i, d)
		}
	}

	recs := w.mem.Requests()
	if len(recs) != n {
		t.Fatalf("%d requests recorded, want %d", len(recs), n)
	}
	byServed := map[string]int{}
	byTool := map[string]int{}
	agreed, compared := 0, 0
	var overheads []time.Duration
	for _, r := range recs {
		byServed[r.Served]++
		if r.Served == tool.ServedTool {
			byTool[strings.Split(r.Tool, "@")[0]]++
		}
		if r.Agreed != nil {
			compared++
			if *r.Agreed {
				agreed++
			}
		}
		if r.Served == tool.ServedPassthrough || r.Served == tool.ServedUpstream {
			overheads = append(overheads, r.Overhead)
		}
		if r.Served == tool.ServedTool && (!r.Estimated || r.UpstreamCost <= 0) {
			t.Errorf("a tool-served request has no estimated upstream cost: %+v", r)
		}
		if r.Served == tool.ServedUpstream && r.UpstreamPromptTokens == 0 {
			t.Errorf("an upstream-served request has no upstream tokens: %+v", r)
		}
	}
	tools, err := w.lib.Tools(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	for _, tl := range tools {
		changes, err := w.mem.PhaseChanges(ctx, tl.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range changes {
			t.Logf("phase %s@%d: %q → %q (%d/%d) %s", ch.Tool, ch.Version, ch.From, ch.To, ch.Agreed, ch.Compared, ch.Reason)
			if ch.To == tool.PhaseLive && ch.Version == tl.Version {
				live[tl.Ref()] = true
			}
		}
	}
	taskOfTool := map[string]string{}
	for _, tl := range tools {
		for _, task := range w.tasks {
			if len(tl.Examples) > 0 {
				if _, ok := task.Solve(tl.Examples[0].Question); ok {
					taskOfTool[tl.Ref()] = task.Name
				}
			}
		}
		t.Logf("tool %s (task %s, tenant %q): live %v", tl.Ref(), taskOfTool[tl.Ref()], tl.Tenant, live[tl.Ref()])
	}
	liveTasks := map[string]bool{}
	for ref := range live {
		liveTasks[taskOfTool[ref]] = true
		for _, tl := range tools {
			if tl.Ref() == ref && strings.Contains(tl.Source, "% 100") {
				t.Errorf("%s, the tool that is wrong beyond its examples, went live", ref)
			}
		}
	}
	for _, task := range []string{"plus", "sort", "vowels"} {
		if !liveTasks[task] {
			t.Errorf("no tool of task %s went live", task)
		}
	}
	for _, r := range recs {
		if r.Served == tool.ServedTool {
			for _, tl := range tools {
				if tl.Ref() == r.Tool && strings.Contains(tl.Source, "% 100") {
					t.Errorf("request %d was answered by the wrong tool %s", r.ID, r.Tool)
				}
			}
		}
	}
	// The wrong tool stayed in shadow, and its next making was shown the
	// requests it disagreed with upstream on.
	shown := false
	for _, r := range w.models.Requests() {
		for _, m := range r.Messages {
			if strings.Contains(m.Content, "disagreed with the expected answer on") && strings.Contains(m.Content, "it gave") {
				shown = true
			}
		}
	}
	if !shown {
		t.Error("no making attempt was shown a shadow window's disagreements")
	}
	sort.Slice(overheads, func(i, j int) bool { return overheads[i] < overheads[j] })
	p50 := time.Duration(0)
	if len(overheads) > 0 {
		p50 = overheads[len(overheads)/2]
	}
	s, _ := w.mem.GatewaySavings(ctx, "")
	t.Logf("%d requests: served %v; by tool %v; agreement %d/%d; upstream calls %d, saved %d; overhead p50 %s over %d forwarded",
		n, byServed, byTool, agreed, compared, s.UpstreamCalls, s.UpstreamSaved, p50, len(overheads))
	if byServed[tool.ServedTool] == 0 || s.UpstreamSaved != byServed[tool.ServedTool] {
		t.Errorf("served by tools %d, upstream saved %d", byServed[tool.ServedTool], s.UpstreamSaved)
	}
}

// Clients at once, in rounds (pooling and making; shadow windows; live
// tools): every reply still reads as the true answer, every request is
// recorded once, and the tools answer in the last round.
func TestConcurrentTraffic(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	const rounds, clients, each = 3, 4, 30
	// One stream of traffic, shared by the clients: a task's questions come
	// in the order its generator draws them (the wrong tool's task draws its
	// easy questions first only once).
	var mu sync.Mutex
	tr := gatewaysim.NewTraffic(11, w.tasks, 0.15)
	next := func() gatewaysim.Item {
		mu.Lock()
		defer mu.Unlock()
		return tr.Next()
	}
	for range rounds {
		errs := make(chan error, clients)
		for range clients {
			go func() {
				c := w.client("", "sk-client")
				for i := range each {
					it := next()
					rep, err := ask(ctx, c, it.Question, i%2 == 0)
					if err != nil {
						errs <- err
						return
					}
					if it.Answer != "" && answerOf(rep.Content) != it.Answer {
						errs <- fmt.Errorf("%q: reply %q (tool %q), want %q", it.Question, rep.Content, rep.Tool, it.Answer)
						return
					}
				}
				errs <- nil
			}()
		}
		for range clients {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		w.gw.Wait()
	}
	recs := w.mem.Requests()
	if n := len(recs); n != rounds*clients*each {
		t.Fatalf("%d requests recorded, want %d", n, rounds*clients*each)
	}
	byServed := map[string]int{}
	for _, r := range recs[2*clients*each:] {
		byServed[r.Served]++
	}
	tools, _ := w.lib.Tools(ctx, false)
	t.Logf("last round served %v; %d active tools", byServed, len(tools))
	if byServed[tool.ServedTool] == 0 {
		t.Error("no request of the last round answered by a tool")
	}
}

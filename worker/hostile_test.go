package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// bombTool exhausts the sandbox's memory or time, as its argument says.
func bombTool() *tool.Tool {
	return &tool.Tool{
		Name: "bomb", Version: 1, Description: "Answer a bomb question.",
		Source: `def bomb(kind):
    """Grows without bound (memory) or never returns (loop)."""
    if kind == "memory":
        x = []
        while True:
            x.append("a" * 1000000)
    n = 0
    while True:
        n += 1
    return n
`,
		Entry: "bomb", Signature: "bomb(kind)",
		Examples: []tool.UsageExample{{Question: "Bomb: loop", Code: `ans = bomb("loop")`, Answer: "0"}},
	}
}

// sandboxedEngine runs programs in sandbox processes under tight limits.
func sandboxedEngine(t *testing.T, modelURL string) *engine.Engine {
	t.Helper()
	cfg := engineConfig(modelURL, filepath.Join(t.TempDir(), "w.db"))
	cfg.Runtime = starlarkrt.Options{Isolation: starlarkrt.Subprocess, Workers: 1,
		Limits: starlarkrt.Limits{MaxSteps: 20_000_000, Timeout: 3 * time.Second, MaxMemory: 64 << 20}}
	cfg.Solve.Template = false
	e, err := engine.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestAHostileToolHarmsNoOtherWorker(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts sandbox processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := fakeopenai.New(t)
	srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		var all strings.Builder
		for _, m := range r.Messages {
			all.WriteString(m.Content)
		}
		// A retry (the limit error fed back) asks again: the same call.
		if last := all.String(); strings.Contains(last, "Bomb: ") {
			kind := "loop" // the question's, the last one in the prompt
			if strings.HasPrefix(last[strings.LastIndex(last, "Bomb: ")+len("Bomb: "):], "memory") {
				kind = "memory"
			}
			return fakeopenai.Reply{Content: fmt.Sprintf("```starlark\nans = bomb(%q)\n```", kind)}
		}
		return sortReply(r)
	})
	s := startNode(t)
	o := Options{AckWait: 2 * time.Second}
	q := connect(t, ctx, s.ClientURL(), o)
	var mu sync.Mutex
	deliveries := map[string]int{}
	for _, name := range []string{"w1", "w2"} {
		runWorker(t, &Worker{Queue: connect(t, ctx, s.ClientURL(), o), Engine: sandboxedEngine(t, srv.URL), Name: name, Slots: 2,
			Done: func(t Task, _ bool) { mu.Lock(); deliveries[t.Batch+"/"+t.ID]++; mu.Unlock() }})
	}
	bombs := []user.BatchItem{{Line: 1, ID: "m", Question: "Bomb: memory"}, {Line: 2, ID: "l", Question: "Bomb: loop"}}
	type outcome struct {
		got []user.BatchResult
		err error
	}
	hostile := make(chan outcome, 1)
	go func() {
		got, _, err := collect(ctx, q, openStore(t), bombs, SubmitOptions{Batch: "hostile", Tool: bombTool()})
		hostile <- outcome{got, err}
	}()
	good, _, err := collect(ctx, q, openStore(t), items(lists...), SubmitOptions{Batch: "good", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range good {
		if !r.OK || r.Answer != wantAnswer(i) {
			t.Errorf("good instance %d = %+v, want %q: the hostile tool harmed it", i, r, wantAnswer(i))
		}
	}
	h := <-hostile
	if h.err != nil {
		t.Fatal(h.err)
	}
	// The memory bomb meets its memory limit (or, on a slow machine, its
	// time limit first); the loop its step limit (or time).
	for i, want := range [][]string{{"memory", "time"}, {"steps", "time"}} {
		r := h.got[i]
		if r.OK || !strings.Contains(r.Error, "limit exceeded: "+want[0]) && !strings.Contains(r.Error, "limit exceeded: "+want[1]) {
			t.Errorf("hostile %s = %+v, want failed with a %s (or %s) limit error", bombs[i].ID, r, want[0], want[1])
		}
	}
	for _, id := range []string{"m", "l"} {
		e, err := q.Results.Get(ctx, ResultKey("hostile", id))
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		if err := json.Unmarshal(e.Value(), &r); err != nil || r.Delivered != 1 {
			t.Errorf("hostile %s stored on delivery %d (%v), want its first: not redelivered", id, r.Delivered, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for k, n := range deliveries {
		if n != 1 {
			t.Errorf("%s left the queue %d times, want once", k, n)
		}
	}
	if info, err := q.Stream.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("work stream holds %v messages (%v), want none", info.State.Msgs, err)
	}
}

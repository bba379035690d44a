package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/user"
)

// The load benchmark of latm serve (latm bench serve): a real server on a
// loopback port over a fresh database, a zero-latency scripted model server
// on another loopback port, and a bounded load of keep-alive clients. It
// sends traffic only to 127.0.0.1 and stops by itself.

// BenchOptions bound one benchmark run.
type BenchOptions struct {
	Duration    time.Duration // per scenario; at most 2 minutes
	Requests    int           // per scenario at most; 0 means no count limit
	Concurrency int           // clients at once
	Isolation   starlarkrt.Isolation
	Dir         string   // for the database; "" means a temporary directory
	Scenarios   []string // of BenchScenarios; empty means all
}

// BenchScenarios are what latm bench serve measures.
var BenchScenarios = []string{"call", "solve-no-model", "solve-user-model"}

// BenchResult is one scenario's figures.
type BenchResult struct {
	Scenario   string
	Requests   int
	Errors     int
	Elapsed    time.Duration
	PerSecond  float64
	P50, P99   time.Duration
	Max        time.Duration
	ModelCalls int
	RSSStart   int64 // bytes of resident memory when the scenario began
	RSSEnd     int64
	RSSMax     int64
	HeapEnd    uint64 // bytes of live heap after a GC at the end
	FirstError string
}

const benchSortSource = `def sort_words(words):
    """Sorts words alphabetically and joins them with spaces."""
    return " ".join(sorted(words))
`

var benchWords = strings.Fields("apple banana cherry date elder fig grape kiwi lemon mango nectarine olive pear quince raspberry")

// Bench runs the scenarios and returns their figures.
func Bench(ctx context.Context, o BenchOptions) ([]BenchResult, error) {
	if o.Duration <= 0 || o.Duration > 2*time.Minute {
		return nil, fmt.Errorf("bench serve: duration %s must be above 0 and at most 2m", o.Duration)
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return nil, fmt.Errorf("bench serve: concurrency %d must be from 1 to 256", o.Concurrency)
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = BenchScenarios
	}
	for _, s := range o.Scenarios {
		if !slices.Contains(BenchScenarios, s) {
			return nil, fmt.Errorf("bench serve: unknown scenario %q (want %s)", s, strings.Join(BenchScenarios, ", "))
		}
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "latm-bench-serve-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	store, err := library.Open(filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	tool := &library.Tool{Name: "word_sorting", Description: "Sort words alphabetically.", Source: benchSortSource,
		Entry: "sort_words", Signature: "sort_words(words)"}
	for _, l := range []string{"oven costume bread", "zeta alpha mu", "pear apple fig"} {
		words := strings.Fields(l)
		sorted := slices.Sorted(slices.Values(words))
		tool.Examples = append(tool.Examples, library.UsageExample{Question: "Sort the following words alphabetically: List: " + l,
			Code: fmt.Sprintf("words = %q.split()\nans = sort_words(words)", l), Answer: strings.Join(sorted, " ")})
	}
	if err := store.SaveTool(ctx, tool); err != nil {
		return nil, err
	}

	model, modelCalls, err := startBenchModel()
	if err != nil {
		return nil, err
	}
	defer model.Close()
	roles := map[llm.Role]llm.RoleConfig{}
	for _, r := range llm.Roles {
		roles[r] = llm.RoleConfig{BaseURL: "http://" + model.Addr().String() + "/v1", Model: "bench", APIKeyEnv: "LATM_BENCH_KEY", MaxRetries: 0, Timeout: 30 * time.Second}
	}
	client, err := llm.New(llm.Config{Roles: roles, NoCache: true, Getenv: func(string) string { return "bench" }})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	ps, err := prompts.Load("")
	if err != nil {
		return nil, err
	}
	rt := starlarkrt.New(starlarkrt.Options{Isolation: o.Isolation})
	defer rt.Close()
	solver := &user.Solver{LLM: client, Runtime: rt, Prompts: ps, Store: store, Template: true}
	local := &Local{Store: store, Runtime: rt, Solver: solver,
		Dispatcher: &dispatch.Dispatcher{Store: store, Router: &dispatch.Router{Store: store, LLM: client, Prompts: ps, Thresholds: dispatch.DefaultThresholds},
			Solver: solver, LLM: client, Prompts: ps, Unknown: dispatch.UnknownNone}}
	srv := New(local, Options{RateLimit: -1, Batches: store})
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	var out []BenchResult
	for _, sc := range o.Scenarios {
		var seq atomic.Int64
		var req func() (string, []byte)
		switch sc {
		case "call":
			req = func() (string, []byte) {
				n := seq.Add(1)
				b, _ := json.Marshal(map[string]any{"args": []any{benchList(n)}})
				return "/v1/tools/word_sorting/call", b
			}
		case "solve-no-model":
			req = func() (string, []byte) {
				b, _ := json.Marshal(map[string]string{"tool": "word_sorting",
					"question": "Sort the following words alphabetically: List: " + strings.Join(benchList(seq.Add(1)), " ")})
				return "/v1/solve", b
			}
		case "solve-user-model":
			// An apostrophe breaks the template: the user model is asked.
			req = func() (string, []byte) {
				b, _ := json.Marshal(map[string]string{"tool": "word_sorting",
					"question": "Sort the following words alphabetically: List: don't " + strings.Join(benchList(seq.Add(1)), " ")})
				return "/v1/solve", b
			}
		}
		before := modelCalls.Load()
		r, err := benchLoad(ctx, base, sc, req, o)
		if err != nil {
			return out, err
		}
		r.ModelCalls = int(modelCalls.Load() - before)
		out = append(out, r)
	}
	return out, nil
}

// benchList is a list of 3–6 words that differs from request to request.
// benchList is the n-th word list: three lower-case words, as in the
// tool's usage examples, so that the template path's shape guards let it
// through; the letters after each word make the questions differ.
func benchList(n int64) []string {
	out := make([]string, 3)
	for i := range out {
		out[i] = benchWords[(int(n)*7+i*3)%len(benchWords)] + string(rune('a'+n%26)) + string(rune('a'+n/26%26))
	}
	return out
}

func benchLoad(ctx context.Context, base, name string, req func() (string, []byte), o BenchOptions) (BenchResult, error) {
	res := BenchResult{Scenario: name}
	tr := &http.Transport{MaxIdleConns: o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	runtime.GC()
	res.RSSStart = rss()
	var (
		mu       sync.Mutex
		lats     []time.Duration
		errs     int
		firstErr string
		sent     atomic.Int64
	)
	stopSampling := make(chan struct{})
	var maxRSS atomic.Int64
	maxRSS.Store(res.RSSStart)
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				if v := rss(); v > maxRSS.Load() {
					maxRSS.Store(v)
				}
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				if o.Requests > 0 && sent.Add(1) > int64(o.Requests) {
					break
				}
				path, body := req()
				t0 := time.Now()
				err := benchOne(ctx, hc, base+path, body)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break // the scenario's time is up
					}
					mu.Lock()
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	close(stopSampling)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapEnd = ms.HeapAlloc
	res.RSSEnd, res.RSSMax = rss(), maxRSS.Load()
	slices.Sort(lats)
	res.Requests, res.Errors, res.FirstError = len(lats), errs, firstErr
	if len(lats) > 0 {
		res.P50 = lats[len(lats)/2]
		res.P99 = lats[min(len(lats)-1, len(lats)*99/100)]
		res.Max = lats[len(lats)-1]
		res.PerSecond = float64(len(lats)) / res.Elapsed.Seconds()
	}
	return res, nil
}

func benchOne(ctx context.Context, hc *http.Client, url string, body []byte) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, data)
	}
	var v struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if !v.OK {
		return errors.New("not ok: " + v.Error)
	}
	return nil
}

// rss is the process's resident memory in bytes (Linux), or 0.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

var benchQuestionRE = regexp.MustCompile(`(?m)^Question: .*List: (.*)$`)

// startBenchModel serves chat completions on a loopback port with no
// delay: the reply is the call of sort_words on the question's words.
func startBenchModel() (net.Listener, *atomic.Int64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	calls := &atomic.Int64{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		last := req.Messages[len(req.Messages)-1].Content
		var quoted []string
		if m := benchQuestionRE.FindAllStringSubmatch(last, -1); len(m) > 0 {
			for _, w := range strings.Fields(m[len(m)-1][1]) {
				quoted = append(quoted, strconv.Quote(w))
			}
		}
		content := "```starlark\nans = sort_words([" + strings.Join(quoted, ", ") + "])\n```"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "bench", "object": "chat.completion", "model": "bench",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
			"usage":   map[string]any{"prompt_tokens": len(last) / 4, "completion_tokens": len(content) / 4, "total_tokens": (len(last) + len(content)) / 4},
		})
	})
	go (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
	return ln, calls, nil
}

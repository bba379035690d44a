package llm

import (
	"context"
	"errors"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
)

// memLedger keeps calls in memory.
type memLedger struct {
	mu    sync.Mutex
	calls []Call
}

func (l *memLedger) RecordCall(_ context.Context, c Call) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	return nil
}

func (l *memLedger) all() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

// memCache is a map.
type memCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCache) Get(_ context.Context, k string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok, nil
}

func (c *memCache) Put(_ context.Context, k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[k] = v
	return nil
}

type harness struct {
	srv    *fakeopenai.Server
	c      *Client
	ledger *memLedger
	waits  []time.Duration
}

func userRole(url string) RoleConfig {
	return RoleConfig{BaseURL: url, Model: "small", MaxRetries: 3, MaxTokens: 100, PriceIn: 1, PriceOut: 2, Timeout: 5 * time.Second}
}

// newHarness starts a fake server and a client for the user role whose
// waits between retries are recorded, not slept.
func newHarness(t *testing.T, edit func(*Config)) *harness {
	t.Helper()
	h := &harness{srv: fakeopenai.New(t), ledger: &memLedger{}}
	cfg := Config{
		Roles:  map[Role]RoleConfig{User: userRole(h.srv.URL)},
		Ledger: h.ledger,
		Getenv: func(k string) string {
			if k == "OPENAI_API_KEY" {
				return "sk-test"
			}
			return ""
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var mu sync.Mutex
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		h.waits = append(h.waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	h.c = c
	return h
}

func ask(q string) Request {
	return Request{Role: User, Tool: "sorter", Messages: []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: q}}}
}

func TestRetryAfter429ThenSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 429, RetryAfter: "7", Content: "rate limited"}, fakeopenai.Reply{Content: "ok"})
	resp, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "ok" || len(h.srv.Requests()) != 2 {
		t.Errorf("content %q after %d requests", resp.Content, len(h.srv.Requests()))
	}
	if len(h.waits) != 1 || h.waits[0] != 7*time.Second {
		t.Errorf("waits = %v, want [7s] from Retry-After", h.waits)
	}
	r := h.srv.Requests()[0]
	if got := http.Header(r.Header).Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("Authorization = %q", got)
	}
	if r.Model != "small" || r.MaxTokens != 100 || !strings.Contains(r.Body, `"temperature":0`) {
		t.Errorf("request model=%q max_tokens=%d body=%s; want temperature 0 sent", r.Model, r.MaxTokens, r.Body)
	}
}

func TestRetriedFailuresThenSuccess(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]fakeopenai.Reply{
		"500":       {Status: 500},
		"503":       {Status: 503},
		"drop":      {DropConn: true},
		"malformed": {RawBody: `{"choices": [{"message": `},
		"nochoices": {NoChoices: true},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.srv.Script(fakeopenai.Match{}, bad, bad, fakeopenai.Reply{Content: "fine"})
			resp, err := h.c.Chat(context.Background(), ask("q"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != "fine" || len(h.srv.Requests()) != 3 || len(h.waits) != 2 {
				t.Errorf("content %q, %d requests, waits %v", resp.Content, len(h.srv.Requests()), h.waits)
			}
			for _, w := range h.waits {
				if w < 0 || w > 2*time.Second {
					t.Errorf("backoff %v outside [0, base·2]", w)
				}
			}
		})
	}
}

func TestUnauthorizedIsNotRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		rc := c.Roles[User]
		rc.APIKeyEnv = "MY_KEY"
		c.Roles[User] = rc
	})
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 401, Content: "Incorrect API key provided"})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"user", "small", h.srv.URL, "401", "Incorrect API key provided", "$MY_KEY", "user.api_key_env"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if got := http.Header(h.srv.Requests()[0].Header).Get("Authorization"); got != "" {
		t.Errorf("sent Authorization %q with no key set", got)
	}
	calls := h.ledger.all()
	if len(calls) != 1 || calls[0].Status != "HTTP 401" || calls[0].Model != "small" {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestNotFoundNamesTheModel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 404, Content: "model not found"})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "user.model") || !strings.Contains(err.Error(), "user.base_url") {
		t.Errorf("err = %v", err)
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 502, Content: "bad gateway"})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") || !strings.Contains(err.Error(), "bad gateway") {
		t.Errorf("err = %v", err)
	}
	if n := len(h.srv.Requests()); n != 4 {
		t.Errorf("%d requests, want 1 + 3 retries", n)
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "HTTP 502" {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestCancelDuringDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once the server holds the request, not after a fixed time
	// that a busy machine may not reach the server within.
	h.srv.Handle(func(fakeopenai.Request) fakeopenai.Reply {
		cancel()
		return fakeopenai.Reply{Delay: time.Minute, Content: "late"}
	})
	start := time.Now()
	_, err := h.c.Chat(ctx, ask("q"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "canceled" {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		rc := c.Roles[User]
		rc.HeaderTimeout, rc.MaxRetries = 30*time.Millisecond, 1
		c.Roles[User] = rc
	})
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Delay: time.Minute})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "no response header within 30ms (raise user.header_timeout)") || !strings.Contains(err.Error(), "giving up after 2 attempts") {
		t.Errorf("err = %v", err)
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "timeout" {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "def f(x):\n  return", FinishReason: "length"})
	resp, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil {
		t.Errorf("err = %v; a truncated reply is still a reply", err)
	}
	if resp == nil || !resp.Truncated || resp.Content != "def f(x):\n  return" || resp.FinishReason != "length" {
		t.Errorf("resp = %+v", resp)
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "truncated" {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestThinkSplitUsageAndCost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{Contains: "given"}, fakeopenai.Reply{Content: "<think>\nlet me see\n</think>\n\nanswer: 42\n", PromptTokens: 1000, OutTokens: 500})
	h.srv.Script(fakeopenai.Match{Contains: "none"}, fakeopenai.Reply{Content: "0123456789", NoUsage: true})
	resp, err := h.c.Chat(context.Background(), ask("given"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "answer: 42" || resp.Reasoning != "let me see" {
		t.Errorf("content %q reasoning %q", resp.Content, resp.Reasoning)
	}
	if resp.TokensIn != 1000 || resp.TokensOut != 500 || resp.Estimated {
		t.Errorf("tokens %d/%d estimated=%v", resp.TokensIn, resp.TokensOut, resp.Estimated)
	}
	if want := 1000*1.0/1e6 + 500*2.0/1e6; math.Abs(resp.Cost-want) > 1e-12 {
		t.Errorf("cost %v, want %v", resp.Cost, want)
	}
	resp, err = h.c.Chat(context.Background(), ask("none"))
	if err != nil {
		t.Fatal(err)
	}
	// "be brief" + "none" = 12 characters in, 10 out: ceil(n/4).
	if !resp.Estimated || resp.TokensIn != 3 || resp.TokensOut != 3 {
		t.Errorf("estimated=%v tokens %d/%d, want 3/3 estimated", resp.Estimated, resp.TokensIn, resp.TokensOut)
	}
	calls := h.ledger.all()
	if len(calls) != 2 || calls[0].TokensIn != 1000 || calls[0].Tool != "sorter" || calls[0].Endpoint != h.srv.URL || calls[0].Status != "ok" || !calls[1].Estimated {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestCacheHitSkipsTheServer(t *testing.T) {
	t.Parallel()
	cache := &memCache{}
	h := newHarness(t, func(c *Config) { c.Cache = cache })
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "first", PromptTokens: 10, OutTokens: 10}, fakeopenai.Reply{Content: "second"})
	a, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil {
		t.Fatal(err)
	}
	if a.CacheHit || !b.CacheHit || b.Content != "first" || b.Cost != 0 || len(h.srv.Requests()) != 1 {
		t.Errorf("a=%+v b=%+v requests=%d", a, b, len(h.srv.Requests()))
	}
	// NoCache bypasses the cache.
	req := ask("q")
	req.NoCache = true
	c, err := h.c.Chat(context.Background(), req)
	if err != nil || c.Content != "second" || c.CacheHit {
		t.Errorf("NoCache: %+v, %v", c, err)
	}
	calls := h.ledger.all()
	if len(calls) != 3 || !calls[1].CacheHit || calls[1].Cost != 0 || calls[1].TokensIn != 0 || calls[0].CacheHit {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestSampledCallsAreNotCached(t *testing.T) {
	t.Parallel()
	cache := &memCache{}
	h := newHarness(t, func(c *Config) {
		c.Cache = cache
		rc := c.Roles[User]
		rc.Temperature = 0.7
		c.Roles[User] = rc
	})
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "a"}, fakeopenai.Reply{Content: "b"})
	for _, want := range []string{"a", "b"} {
		resp, err := h.c.Chat(context.Background(), ask("q"))
		if err != nil || resp.Content != want {
			t.Errorf("got %+v, %v; want %q", resp, err, want)
		}
	}
	if len(cache.m) != 0 {
		t.Errorf("sampled replies cached: %d entries", len(cache.m))
	}
	if r := h.srv.Requests()[0]; r.Temperature != 0.7 {
		t.Errorf("temperature sent = %v", r.Temperature)
	}
}

func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "x.jsonl")
	h := newHarness(t, func(c *Config) { c.Record = file })
	h.srv.Script(fakeopenai.Match{Contains: "one"}, fakeopenai.Reply{Content: "<think>hm</think>1"})
	h.srv.Script(fakeopenai.Match{Contains: "two"}, fakeopenai.Reply{Content: "2"})
	for _, q := range []string{"one", "two"} {
		if _, err := h.c.Chat(context.Background(), ask(q)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.c.Close(); err != nil {
		t.Fatal(err)
	}
	h.srv.Close()

	ledger := &memLedger{}
	// Replayed against another endpoint: recordings do not depend on it.
	rp, err := New(Config{Roles: map[Role]RoleConfig{User: userRole("http://elsewhere.invalid/v1")}, Replay: file, Ledger: ledger,
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	for q, want := range map[string]string{"two": "2", "one": "1"} {
		resp, err := rp.Chat(context.Background(), ask(q))
		if err != nil {
			t.Fatalf("replay %s: %v", q, err)
		}
		if resp.Content != want || !resp.CacheHit {
			t.Errorf("replay %s = %+v", q, resp)
		}
	}
	_, err = rp.Chat(context.Background(), ask("three is new"))
	if err == nil || !strings.Contains(err.Error(), "no recorded reply in "+file) || !strings.Contains(err.Error(), "three is new") || !strings.Contains(err.Error(), "--record") {
		t.Errorf("replay miss: %v", err)
	}
	if calls := ledger.all(); len(calls) != 3 || calls[2].Status != "replay miss" || !calls[0].CacheHit {
		t.Errorf("ledger = %+v", calls)
	}
}

func TestReplayFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"key":"k","response":{"content":"x"}}`+"\n{oops\n"), 0o644)
	_, err := New(Config{Replay: bad})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad replay file: %v", err)
	}
	_, err = New(Config{Replay: filepath.Join(dir, "missing.jsonl")})
	if err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("missing replay file: %v", err)
	}
}

func TestAzurePath(t *testing.T) {
	t.Parallel()
	srv := fakeopenai.New(t)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "from azure"})
	c, err := New(Config{
		Roles: map[Role]RoleConfig{Maker: {BaseURL: srv.AzureURL, Model: "gpt-4.1-deploy", APIType: "azure",
			APIVersion: "2024-06-01", APIKeyEnv: "AZURE_OPENAI_API_KEY"}},
		Getenv: func(k string) string { return map[string]string{"AZURE_OPENAI_API_KEY": "az-key"}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(context.Background(), Request{Role: Maker, Messages: []Message{{Role: "user", Content: "hi"}}})
	if err != nil || resp.Content != "from azure" {
		t.Fatalf("%+v, %v", resp, err)
	}
	r := srv.Requests()[0]
	if r.Deployment != "gpt-4.1-deploy" || r.APIVersion != "2024-06-01" || http.Header(r.Header).Get("api-key") != "az-key" {
		t.Errorf("azure request: deployment %q version %q api-key %q", r.Deployment, r.APIVersion, http.Header(r.Header).Get("api-key"))
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Roles: map[Role]RoleConfig{Maker: {}}}); err == nil || !strings.Contains(err.Error(), "maker.model") {
		t.Errorf("no model: %v", err)
	}
	if _, err := New(Config{Roles: map[Role]RoleConfig{User: {Model: "m", APIType: "bedrock"}}}); err == nil || !strings.Contains(err.Error(), "user.api_type") {
		t.Errorf("bad api type: %v", err)
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), ask("q")); err == nil || !strings.Contains(err.Error(), `role "user"`) {
		t.Errorf("unconfigured role: %v", err)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-1":                            0,
		"999":                           maxRetryAfter,
		"Wed, 01 Jan 2025 12:00:10 GMT": 10 * time.Second,
		"Wed, 01 Jan 2025 13:00:00 GMT": maxRetryAfter,
		"soon":                          0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBackoffIsCappedFullJitter(t *testing.T) {
	t.Parallel()
	for attempt := range 40 {
		limit := min(maxBackoff, 500*time.Millisecond<<min(attempt, 20))
		for range 20 {
			if d := backoff(500*time.Millisecond, attempt); d < 0 || d > limit {
				t.Fatalf("backoff(attempt %d) = %v, want within [0, %v]", attempt, d, limit)
			}
		}
	}
}

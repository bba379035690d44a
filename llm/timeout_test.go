package llm

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/internal/fakeopenai"
)

// syncBuffer is a bytes.Buffer safe for the client's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// refusedURL returns a base URL on which connections are refused.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1"
}

func withRole(edit func(*RoleConfig)) func(*Config) {
	return func(c *Config) {
		rc := c.Roles[User]
		edit(&rc)
		c.Roles[User] = rc
	}
}

func TestTemplateHeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{Template: "use"}, fakeopenai.Reply{Content: "from use"})
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: "other"})
	req := ask("q")
	req.Template = "use"
	resp, err := h.c.Chat(context.Background(), req)
	if err != nil || resp.Content != "from use" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if resp, err := h.c.Chat(context.Background(), ask("q2")); err != nil || resp.Content != "other" {
		t.Fatalf("a request without a template: %+v, %v", resp, err)
	}
	reqs := h.srv.Requests()
	if got := http.Header(reqs[0].Header).Get(TemplateHeader); got != "use" || reqs[1].Template != "" {
		t.Errorf("headers %q, %q", got, reqs[1].Template)
	}
}

// A server that accepts the connection and never answers fails each
// attempt at the header timeout, and the call gives up after its retries.
func TestHeaderTimeoutOnASilentServer(t *testing.T) {
	url, accepted := fakeopenai.Silent(t)
	h := newHarness(t, withRole(func(rc *RoleConfig) {
		rc.BaseURL, rc.HeaderTimeout, rc.MaxRetries, rc.Timeout = url, 50*time.Millisecond, 1, time.Minute
	}))
	start := time.Now()
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "no response header within 50ms (raise user.header_timeout)") || !strings.Contains(err.Error(), "giving up after 2 attempts") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the call took %v", d)
	}
	for i := 0; i < 2; i++ {
		select {
		case <-accepted:
		default:
			t.Fatalf("%d connections accepted, want 2 (one per attempt)", i)
		}
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "timeout" {
		t.Errorf("ledger = %+v", calls)
	}
}

// The whole-call timeout bounds all attempts together.
func TestWholeCallTimeout(t *testing.T) {
	url, _ := fakeopenai.Silent(t)
	h := newHarness(t, withRole(func(rc *RoleConfig) {
		rc.BaseURL, rc.HeaderTimeout, rc.MaxRetries, rc.Timeout = url, time.Minute, 5, 100*time.Millisecond
	}))
	start := time.Now()
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "no reply within 100ms (raise user.timeout)") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the call took %v", d)
	}
	if calls := h.ledger.all(); len(calls) != 1 || calls[0].Status != "timeout" {
		t.Errorf("ledger = %+v", calls)
	}
	// A caller's own cancellation is not the call's timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.c.Chat(ctx, ask("q")); err == nil || strings.Contains(err.Error(), "user.timeout") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestVerboseRetries(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	h := newHarness(t, func(c *Config) {
		c.Log, c.Verbose = &log, true
		rc := c.Roles[User]
		rc.BaseURL, rc.MaxRetries = refusedURL(t), 2
		c.Roles[User] = rc
	})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d retry lines, want 2:\n%s", len(lines), log.String())
	}
	for i, l := range lines {
		want := []string{"llm: user call to small at http://127.0.0.1:", "attempt " + string(rune('1'+i)) + " failed: network: ", "connection refused", "; retrying in "}
		for _, w := range want {
			if !strings.Contains(l, w) {
				t.Errorf("line %d %q lacks %q", i+1, l, w)
			}
		}
	}
	if len(h.waits) != 2 || !strings.Contains(lines[1], h.waits[1].Round(time.Millisecond).String()) {
		t.Errorf("waits %v not in the lines", h.waits)
	}
}

// Without -v, a call that keeps failing says so once, when it has been
// retrying for NoticeAfter; the clock is the harness's fake one.
func TestQuietRetryNotice(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	h := newHarness(t, func(c *Config) { c.Log = &log })
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h.c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
		return nil
	}
	busy := fakeopenai.Reply{Status: 503, RetryAfter: "2", Content: "busy"}
	h.srv.Script(fakeopenai.Match{}, busy, busy, busy, fakeopenai.Reply{Content: "ok"})
	resp, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil || resp.Content != "ok" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	out := log.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "still retrying after 3 failed attempts in 4s (last: HTTP 503: busy); -v shows every retry") {
		t.Errorf("log:\n%s", out)
	}
	// A call that succeeds at once writes nothing.
	log = syncBuffer{}
	h.srv.Script(fakeopenai.Match{Contains: "quick"}, fakeopenai.Reply{Content: "ok"})
	if _, err := h.c.Chat(context.Background(), ask("quick")); err != nil || log.String() != "" {
		t.Errorf("err %v, log %q", err, log.String())
	}
}

func TestDroppedConnectionIsRetriedAndReported(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	h := newHarness(t, func(c *Config) { c.Log, c.Verbose = &log, true })
	h.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{DropConn: true}, fakeopenai.Reply{Content: "ok"})
	resp, err := h.c.Chat(context.Background(), ask("q"))
	if err != nil || resp.Content != "ok" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if !strings.Contains(log.String(), "attempt 1 failed: network: ") {
		t.Errorf("log %q", log.String())
	}
}

// Credentials in a base URL appear in no error, log line or ledger row.
func TestCredentialsInTheBaseURLAreMasked(t *testing.T) {
	t.Parallel()
	const secret = "sk-inurl-secret"
	var log syncBuffer
	refused := strings.Replace(refusedURL(t), "://", "://alice:"+secret+"@", 1)
	h := newHarness(t, func(c *Config) {
		c.Log, c.Verbose = &log, true
		rc := c.Roles[User]
		rc.BaseURL, rc.MaxRetries = refused, 1
		c.Roles[User] = rc
	})
	_, err := h.c.Chat(context.Background(), ask("q"))
	if err == nil {
		t.Fatal("no error from a refused connection")
	}
	for what, text := range map[string]string{"error": err.Error(), "log": log.String()} {
		if strings.Contains(text, secret) || strings.Contains(text, "alice") {
			t.Errorf("%s shows the credentials: %s", what, text)
		}
		if !strings.Contains(text, "://***@127.0.0.1:") {
			t.Errorf("%s does not show the masked URL: %s", what, text)
		}
	}
	calls := h.ledger.all()
	if len(calls) != 1 || strings.Contains(calls[0].Endpoint, "@") || !strings.HasPrefix(calls[0].Endpoint, "http://127.0.0.1:") {
		t.Errorf("ledger endpoint %+v", calls)
	}

	// The fix hint of a 404 shows the URL masked too.
	h404 := newHarness(t, nil)
	h404.srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Status: 404, Content: "no such model"})
	withCreds := newHarness(t, withRole(func(rc *RoleConfig) {
		rc.BaseURL = strings.Replace(h404.srv.URL, "://", "://"+secret+"@", 1)
	}))
	_, err = withCreds.c.Chat(context.Background(), ask("q"))
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "user.base_url \"http://***@") {
		t.Errorf("404: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, masked, stripped string }{
		{"http://user:key@host:8080/v1", "http://***@host:8080/v1", "http://host:8080/v1"},
		{"https://key@api.example.com/v1?x=1", "https://***@api.example.com/v1?x=1", "https://api.example.com/v1?x=1"},
		{"http://host/v1", "http://host/v1", "http://host/v1"},
		{"http://us er:k%zz@host/v1", "http://***@host/v1", "http://***@host/v1"},
		{"", "", ""},
	} {
		if got := RedactURL(tc.in); got != tc.masked {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.masked)
		}
		if got := StripUserinfo(tc.in); got != tc.stripped {
			t.Errorf("StripUserinfo(%q) = %q, want %q", tc.in, got, tc.stripped)
		}
	}
}

func TestRedactText(t *testing.T) {
	t.Parallel()
	in := `post "http://u:sk-1@h:1/v1/chat": refused; also https://key@x.example/v1 and http://plain/v1 and mail a@b`
	want := `post "http://***@h:1/v1/chat": refused; also https://***@x.example/v1 and http://plain/v1 and mail a@b`
	if got := RedactText(in); got != want {
		t.Errorf("RedactText = %s\nwant          %s", got, want)
	}
}

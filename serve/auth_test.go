package serve

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latm/latm/library"
)

func (e *env) token(name string, rate int) string {
	e.t.Helper()
	secret := "latm_" + strings.Repeat(name, 8)
	if err := e.store.CreateToken(e.t.Context(), &library.Token{Name: name, Hash: HashToken(secret), Prefix: secret[:9], Rate: rate}); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func TestTokensAreRequiredWhenConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RequireTokens: true})
	e.save(sortTool())
	good := e.token("ci", 0)
	old := e.token("old", 0)
	if err := e.store.RevokeToken(t.Context(), "old"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, token string
		want        int
	}{{"none", "", 401}, {"unknown", "latm_nope", 401}, {"revoked", old, 401}, {"valid", good, 200}} {
		code, data, h := e.do("GET", "/v1/tools", c.token, nil)
		if code != c.want {
			t.Fatalf("%s token: status %d, want %d: %s", c.name, code, c.want, data)
		}
		if code == 401 && (apiError(t, data).Code != codeUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer")) {
			t.Fatalf("%s token: %s %v", c.name, data, h)
		}
	}
	// Health, readiness and the description stay open for probes.
	for _, p := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if code, _, _ := e.do("GET", p, "", nil); code != 200 {
			t.Errorf("%s without a token: %d", p, code)
		}
	}
	for _, p := range []string{"/metrics", "/mcp"} {
		if code, _, _ := e.do("GET", p, "", nil); code != 401 {
			t.Errorf("%s without a token: %d, want 401", p, code)
		}
	}
	req, _ := http.NewRequest("GET", e.http.URL+"/v1/tools", nil)
	req.Header.Set("Authorization", "Basic abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("basic auth: %d", resp.StatusCode)
	}
}

func TestRateLimitPerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RequireTokens: true})
	slow := e.token("slow", 6) // 6 a minute: a burst of one
	fast := e.token("fast", 6000)
	if code, _, _ := e.do("GET", "/v1/tools", slow, nil); code != 200 {
		t.Fatalf("first request: %d", code)
	}
	code, data, h := e.do("GET", "/v1/tools", slow, nil)
	if code != 429 || apiError(t, data).Code != codeRateLimited || h.Get("Retry-After") == "" {
		t.Fatalf("second request: %d %s %v", code, data, h)
	}
	// Another token has its own bucket.
	for i := range 5 {
		if code, _, _ := e.do("GET", "/v1/tools", fast, nil); code != 200 {
			t.Fatalf("fast token request %d: %d", i, code)
		}
	}
}

func TestLimiterRefills(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := newLimiter(60, func() time.Time { return now })
	for i := range 10 {
		if _, ok := l.allow("a", 60); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	wait, ok := l.allow("a", 60)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok %v, wait %v", ok, wait)
	}
	now = now.Add(time.Second)
	if _, ok := l.allow("a", 60); !ok {
		t.Fatal("a second later (one request a second) still refused")
	}
	if _, ok := l.allow("b", -1); !ok {
		t.Fatal("unlimited refused")
	}
}

func TestCORSIsOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	req, _ := http.NewRequest("GET", e.http.URL+"/v1/tools", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("CORS header %q by default", v)
	}
	pre, _ := http.NewRequest("OPTIONS", e.http.URL+"/v1/solve", nil)
	pre.Header.Set("Origin", "https://elsewhere.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("preflight: %d, want 403", resp.StatusCode)
	}

	e2 := newEnv(t, Options{CORSOrigins: []string{"https://app.example"}})
	pre, _ = http.NewRequest("OPTIONS", e2.http.URL+"/v1/solve", nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:8080": false, "10.0.0.1:80": false, "example.com:80": false, "garbage": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestDrainFailsReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.call("GET", "/readyz", nil, 200, nil)
	e.srv.Drain()
	code, data, _ := e.do("GET", "/readyz", "", nil)
	if code != 503 || apiError(t, data).Code != codeUnavailable {
		t.Fatalf("readyz after Drain: %d %s", code, data)
	}
	e.call("GET", "/healthz", nil, 200, nil)
}

// bearer adds a token to every request of an HTTP client.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func TestMCPOverHTTPWithAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{RequireTokens: true})
	e.save(sortTool())
	e.local.notify()
	secret := e.token("agent", 0)
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	if _, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: e.http.URL + "/mcp"}, nil); err == nil {
		t.Fatal("connected without a token")
	}
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: e.http.URL + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{secret, http.DefaultTransport}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	out, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "word_sorting", Arguments: map[string]any{"words": []string{"b", "a"}}})
	if err != nil || out.IsError {
		t.Fatalf("call with a token: %v %+v", err, out)
	}
}

func TestRequestLogs(t *testing.T) {
	t.Parallel()
	var buf safeBuffer
	e := newEnv(t, Options{RequireTokens: true, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	secret := e.token("ci", 0)
	e.do("GET", "/v1/tools", secret, nil)
	e.do("GET", "/v1/tools/nope", secret, nil)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 || lines[0]["route"] != "GET /v1/tools" || lines[0]["status"] != 200.0 || lines[0]["who"] != "token:ci" ||
		lines[1]["route"] != "GET /v1/tools/{ref}" || lines[1]["status"] != 404.0 || lines[1]["path"] != "/v1/tools/nope" {
		t.Fatalf("request logs %v", lines)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

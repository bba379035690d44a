package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/gatewaysim"
	"github.com/latm/latm/library"
	"github.com/latm/latm/starlarkrt"
)

// tenantHeader stands in, in these tests, for the server's token check:
// the tenant is the token's name (serve/gateway.go sets it from the token).
const tenantHeader = "X-Test-Tenant"

// world is a gateway over a real library and sandbox, with a scripted
// upstream and scripted models of latm's own, served over real HTTP.
type world struct {
	t      testing.TB
	up     *fakeopenai.Server // the upstream strong model
	models *fakeopenai.Server // latm's maker and user models
	lib    *library.Store
	mem    *MemStore
	gw     *Gateway
	http   *httptest.Server
	logs   *syncBuffer
	tasks  []gatewaysim.Task
}

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

func newWorld(t testing.TB, mod func(*Config, *Deps)) *world {
	t.Helper()
	return newWorldOf(t, gatewaysim.Tasks(), mod)
}

// newWorldOf is newWorld with the given tasks.
func newWorldOf(t testing.TB, tasks []gatewaysim.Task, mod func(*Config, *Deps)) *world {
	t.Helper()
	w := &world{t: t, up: fakeopenai.New(t), models: fakeopenai.New(t), mem: NewMemStore(), logs: &syncBuffer{}, tasks: tasks}
	t.Cleanup(func() {
		if t.Failed() { // what the gateway did in the background (making, phases) says why
			t.Logf("gateway log:\n%s", w.logs.String())
			for _, r := range w.models.Requests() {
				if r.Template == "propose" || r.Template == "verify" {
					t.Logf("maker %s request: %s", r.Template, strings.Join(qRE.FindAllString(r.Last(), -1), " | "))
				}
			}
		}
	})
	gatewaysim.Upstream(w.up, w.tasks)
	gatewaysim.Models(w.models, w.tasks)
	lib, err := library.Open(filepath.Join(t.TempDir(), "latm.db"))
	if err != nil {
		t.Fatal(err)
	}
	w.lib = lib
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	ec := engine.Defaults()
	ec.BaseURL = w.models.URL
	ec.Cache = false
	ec.Getenv = func(string) string { return "sk-latm-models" }
	for role, rc := range ec.Roles {
		rc.MaxRetries = 0 // a scripted failure fails at once
		ec.Roles[role] = rc
	}
	e, err := engine.New(ec, lib, rt)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.Upstream = w.up.URL
	cfg.Model = "gpt-up"
	cfg.ShadowN = 5
	cfg.SpotRate = 0
	deps := Deps{Store: w.mem, Pool: lib, Solver: e.Solver(), Maker: e.Maker(0, 0),
		Logger: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&cfg, &deps)
	}
	gw, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	w.gw = gw
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(rw http.ResponseWriter, r *http.Request) {
		c := Client{Tenant: r.Header.Get(tenantHeader), ForwardAuth: true}
		gw.Chat(rw, r.WithContext(WithClient(r.Context(), c)))
	})
	mux.HandleFunc("GET /v1/models", gw.Models)
	w.http = httptest.NewServer(mux)
	t.Cleanup(func() {
		w.http.Close()
		gw.Close()
		e.Close()
		rt.Close()
		lib.Close()
	})
	return w
}

// client is a go-openai client of the gateway for tenant, sending key as
// its upstream credential.
func (w *world) client(tenant, key string) *openai.Client {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = w.http.URL + "/v1"
	cfg.HTTPClient = &http.Client{Transport: headerTransport{tenant}}
	return openai.NewClientWithConfig(cfg)
}

// direct is a go-openai client of upstream itself.
func (w *world) direct() *openai.Client {
	cfg := openai.DefaultConfig("sk-direct")
	cfg.BaseURL = w.up.URL
	return openai.NewClientWithConfig(cfg)
}

type headerTransport struct{ tenant string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.tenant != "" {
		r = r.Clone(r.Context())
		r.Header.Set(tenantHeader, h.tenant)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// reply is what a client read of one chat completion.
type reply struct {
	Content      string
	Model        string
	Finish       string
	Usage        *openai.Usage
	Tool         string // the X-Latm-Tool header
	ContentType  string
	StreamChunks int
}

func request(q string, stream bool) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: "gpt-client", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: q}}}
	if stream {
		req.Stream = true
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return req
}

// ask sends q through c, plain or streamed, and reads the reply.
func ask(ctx context.Context, c *openai.Client, q string, stream bool) (reply, error) {
	req := request(q, stream)
	if !stream {
		resp, err := c.CreateChatCompletion(ctx, req)
		if err != nil {
			return reply{}, err
		}
		r := reply{Model: resp.Model, Usage: &resp.Usage, Tool: resp.Header().Get(ToolHeader), ContentType: resp.Header().Get("Content-Type")}
		if len(resp.Choices) == 1 {
			r.Content, r.Finish = resp.Choices[0].Message.Content, string(resp.Choices[0].FinishReason)
		}
		return r, nil
	}
	st, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return reply{}, err
	}
	defer st.Close()
	r := reply{Tool: st.Header().Get(ToolHeader), ContentType: st.Header().Get("Content-Type")}
	var b strings.Builder
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r, err
		}
		r.StreamChunks++
		r.Model = ch.Model
		if ch.Usage != nil {
			r.Usage = ch.Usage
		}
		for _, c := range ch.Choices {
			b.WriteString(c.Delta.Content)
			if c.FinishReason != "" {
				r.Finish = string(c.FinishReason)
			}
		}
	}
	r.Content = b.String()
	return r, nil
}

// answerOf reads the answer out of a reply as an application would.
func answerOf(content string) string { return answer.FromReply(content) }

// qRE finds the questions of a prompt.
var qRE = regexp.MustCompile(`(?m)^Question: .+$`)

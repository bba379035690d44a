package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// TestMain lets this test binary serve as its own sandbox worker.
func TestMain(m *testing.M) {
	starlarkrt.RunWorkerIfRequested()
	os.Exit(m.Run())
}

const sortSource = `def sort_words(words):
    """Sorts words alphabetically and joins them with spaces."""
    return " ".join(sorted(words))
`

const spinSource = `def spin(n):
    """Counts to n, one step at a time."""
    x = 0
    for i in range(n):
        x += 1
    return x
`

// wsExample is a usage example whose call is a template of its question,
// so that the template path may answer questions of its shape.
func wsExample(list string) tool.UsageExample {
	words := strings.Fields(list)
	sorted := append([]string(nil), words...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j] < sorted[i] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	return tool.UsageExample{Question: "Sort the following words alphabetically: List: " + list,
		Code: fmt.Sprintf("words = %q.split()\nans = sort_words(words)", list), Answer: strings.Join(sorted, " ")}
}

func sortTool() *tool.Tool {
	return &tool.Tool{Name: "word_sorting", Description: "Sort a list of words alphabetically.", Source: sortSource,
		Entry: "sort_words", Signature: "sort_words(words)", MakerModel: "maker-test",
		Examples: []tool.UsageExample{wsExample("oven costume bread"), wsExample("zeta alpha mu"), wsExample("pear apple fig")}}
}

func spinTool() *tool.Tool {
	return &tool.Tool{Name: "spin", Description: "Count up to a number.", Source: spinSource, Entry: "spin", Signature: "spin(n)",
		Examples: []tool.UsageExample{{Question: "Count to 3", Code: "ans = spin(3)", Answer: "3"}}}
}

// env is a server over a real store, sandbox and model client; every
// model role talks to one scripted fake endpoint.
type env struct {
	t     *testing.T
	store *library.Store
	local *Local
	fake  *fakeopenai.Server
	srv   *Server
	http  *httptest.Server
	opts  Options

	mu     sync.Mutex
	hold   chan struct{} // while non-nil, user-model replies wait for it to close
	held   chan struct{} // while non-nil, told of each user-model request that waits on hold
	makers map[string][]string
}

var questionRE = regexp.MustCompile(`(?m)^Question: (.*)$`)

// userReply answers the use prompt: a call of sort_words on the words of
// the question's list.
func userReply(prompt string) string {
	ms := questionRE.FindAllStringSubmatch(prompt, -1)
	if len(ms) == 0 {
		return "no question"
	}
	q := ms[len(ms)-1][1]
	_, list, _ := strings.Cut(q, "List: ")
	var quoted []string
	for _, w := range strings.Fields(list) {
		quoted = append(quoted, fmt.Sprintf("%q", w))
	}
	return "```starlark\nans = sort_words([" + strings.Join(quoted, ", ") + "])\n```"
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	return newEnvAt(t, filepath.Join(t.TempDir(), "latm.db"), opts)
}

func newEnvAt(t *testing.T, db string, opts Options) *env {
	t.Helper()
	e := &env{t: t, makers: map[string][]string{}}
	store, err := library.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store = store
	e.fake = fakeopenai.New(t)
	e.fake.Handle(e.reply)
	roles := map[llm.Role]llm.RoleConfig{}
	for _, r := range llm.Roles {
		roles[r] = llm.RoleConfig{BaseURL: e.fake.URL, Model: string(r) + "-test", APIKeyEnv: "K", PriceIn: 1, PriceOut: 2}
	}
	client, err := llm.New(llm.Config{Roles: roles, Getenv: func(string) string { return "sk-test" }, RetryBase: time.Millisecond,
		Ledger: ledger{store}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	ps, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Limits: starlarkrt.Limits{MaxSteps: 1_000_000, Timeout: 5 * time.Second}})
	t.Cleanup(func() { rt.Close() })
	solver := &user.Solver{LLM: client, Runtime: rt, Prompts: ps, Store: store, Retries: 1, Template: true}
	mk := &maker.Maker{LLM: client, Runtime: rt, Prompts: ps, Train: 3, Valid: 3, ProposeTries: 2, VerifyTries: 2, Model: "maker-test"}
	e.local = &Local{Store: store, Runtime: rt, Solver: solver, Maker: mk,
		Dispatcher: &dispatch.Dispatcher{Store: store, Router: &dispatch.Router{Store: store, LLM: client, Prompts: ps, Thresholds: dispatch.DefaultThresholds},
			Solver: solver, Maker: mk, LLM: client, Prompts: ps, Unknown: dispatch.UnknownSolver, MinExamples: 6}}
	if opts.Tokens == nil {
		opts.Tokens = store
	}
	if opts.Batches == nil {
		opts.Batches = store
	}
	e.opts = opts
	e.start()
	return e
}

// start starts a server (again, after stop) over the env's engine.
func (e *env) start() {
	e.srv = New(e.local, e.opts)
	if err := e.srv.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.http = httptest.NewServer(e.srv.Handler())
	srv, h := e.srv, e.http
	e.t.Cleanup(func() { h.Close(); srv.Close() })
}

func (e *env) stop() {
	e.http.Close()
	e.srv.Close()
}

// makerPhases are the maker's prompt templates, each answered from its
// own queue of scripted replies.
var makerPhases = map[string]bool{"propose": true, "fix": true, "verify": true, "verify_fix": true, "package": true}

func (e *env) reply(r fakeopenai.Request) fakeopenai.Reply {
	last := r.Last()
	switch {
	case r.Template == "dispatch":
		if strings.Contains(last, "Sort the following words") {
			return fakeopenai.Reply{Content: "Task: word_sorting"}
		}
		return fakeopenai.Reply{Content: "Task: unknown"}
	case r.Template == "direct":
		return fakeopenai.Reply{Content: "Answer: 42"}
	case makerPhases[r.Template]:
		e.mu.Lock()
		defer e.mu.Unlock()
		q := e.makers[r.Template]
		if len(q) == 0 {
			e.t.Errorf("no scripted reply for the %s prompt", r.Template)
			return fakeopenai.Reply{Status: 500}
		}
		if len(q) > 1 {
			e.makers[r.Template] = q[1:]
		}
		return fakeopenai.Reply{Content: q[0]}
	case r.Template != "use":
		e.t.Errorf("unexpected %q prompt: %q", r.Template, last)
		return fakeopenai.Reply{Status: 500}
	}
	e.mu.Lock()
	hold, held := e.hold, e.held
	e.mu.Unlock()
	if hold != nil {
		if held != nil {
			select {
			case held <- struct{}{}:
			default:
			}
		}
		<-hold
	}
	return fakeopenai.Reply{Content: userReply(last)}
}

// ledger records model calls in the store, as latm's own wiring does.
type ledger struct{ s *library.Store }

func (l ledger) RecordCall(ctx context.Context, c llm.Call) error {
	return l.s.RecordCall(ctx, &tool.ModelCall{Role: string(c.Role), Model: c.Model, Endpoint: c.Endpoint, Tool: c.Tool,
		TokensIn: c.TokensIn, TokensOut: c.TokensOut, Estimated: c.Estimated, Cost: c.Cost, Latency: c.Latency, Status: c.Status, CacheHit: c.CacheHit})
}

func (e *env) save(tools ...*tool.Tool) {
	e.t.Helper()
	for _, t := range tools {
		if err := e.store.SaveTool(context.Background(), t); err != nil {
			e.t.Fatal(err)
		}
	}
}

// do sends a request and returns the status and body.
func (e *env) do(method, path, token string, body any) (int, []byte, http.Header) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

// call sends a request, checks the status and decodes the JSON answer.
func (e *env) call(method, path string, body any, want int, out any) {
	e.t.Helper()
	code, data, _ := e.do(method, path, "", body)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// apiError decodes an error response.
func apiError(t *testing.T, data []byte) errorDetail {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(data, &b); err != nil || b.Error.Code == "" {
		t.Fatalf("not an error body (%v): %s", err, data)
	}
	return b.Error
}

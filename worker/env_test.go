package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

const sortSource = `def sort_words(words):
    """Sorts words alphabetically and joins them with spaces."""
    return " ".join(sorted(words))
`

func sortTool() *tool.Tool {
	return &tool.Tool{
		Name: "sort", Version: 1, Description: "Sort a list of words alphabetically.",
		Source: sortSource, Entry: "sort_words", Signature: "sort_words(words)",
		Examples: []tool.UsageExample{
			{Question: "Sort the following words alphabetically: List: oven costume", Code: `ans = sort_words(["oven", "costume"])`, Answer: "costume oven"},
		},
		CreatedAt: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
	}
}

func sortQuestion(words ...string) string {
	return "Sort the following words alphabetically: List: " + strings.Join(words, " ")
}

var listRE = regexp.MustCompile(`List: ([a-z0-9 ]+)\s*$`)

// sortReply is the user model's call for the question of a "use" request:
// the last "List:" of its last message.
func sortReply(r fakeopenai.Request) fakeopenai.Reply {
	last := strings.TrimSpace(r.Last())
	var words []string
	for _, line := range strings.Split(last, "\n") {
		if m := listRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			words = strings.Fields(m[1])
		}
	}
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return fakeopenai.Reply{Content: "```starlark\nans = sort_words([" + strings.Join(q, ", ") + "])\n```"}
}

// engineConfig is the engine's defaults with every role at the model URL,
// a database at db, and no retries.
func engineConfig(modelURL, db string) engine.Config {
	cfg := engine.Defaults()
	cfg.DB = db
	cfg.BaseURL = modelURL
	cfg.APIKeyEnv = "FAKE_KEY"
	cfg.Cache = false
	cfg.Getenv = func(k string) string { return map[string]string{"FAKE_KEY": "sk-fake"}[k] }
	cfg.Runtime = starlarkrt.Options{Isolation: starlarkrt.InProcess}
	for role, rc := range cfg.Roles {
		rc.MaxRetries = 0
		cfg.Roles[role] = rc
	}
	return cfg
}

func openEngine(t *testing.T, modelURL string) *engine.Engine {
	t.Helper()
	e, err := engine.Open(engineConfig(modelURL, filepath.Join(t.TempDir(), "latm.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func startNode(t *testing.T) *server.Server {
	t.Helper()
	s, err := StartServer(ServerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// startCluster starts a three-node JetStream cluster on loopback and
// returns its nodes and the client URL list.
func startCluster(t *testing.T) ([]*server.Server, string) {
	t.Helper()
	ports, err := FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, RouteURL("127.0.0.1", p))
	}
	nodes := make([]*server.Server, 3)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = StartServer(ServerConfig{Name: fmt.Sprintf("n%d", i), Dir: t.TempDir(),
				Cluster: "latm-test", ClusterPort: ports[i], Routes: routes})
		}()
	}
	wg.Wait()
	var urls []string
	for i, s := range nodes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(s.Shutdown)
		urls = append(urls, s.ClientURL())
	}
	return nodes, strings.Join(urls, ",")
}

// connect connects to url and sets latm's assets up, retrying while a
// new cluster elects its meta leader (creating a stream fails until then).
func connect(t *testing.T, ctx context.Context, url string, o Options) *Queue {
	t.Helper()
	var last error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		q, err := Connect(actx, url, o)
		acancel()
		if err == nil {
			t.Cleanup(q.NC.Close)
			return q
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("connect to %s: %v", url, last)
		case <-tick.C:
		}
	}
}

// items are batch items of sort questions, one per word list.
func items(lists ...[]string) []user.BatchItem {
	var out []user.BatchItem
	for i, l := range lists {
		out = append(out, user.BatchItem{Line: i + 1, ID: fmt.Sprint("q", i+1), Question: sortQuestion(l...)})
	}
	return out
}

func openStore(t *testing.T) *library.Store {
	t.Helper()
	st, err := library.Open(filepath.Join(t.TempDir(), "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// runWorker runs w until the test ends.
func runWorker(t *testing.T, w *Worker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker %s: %v", w.Name, err)
		}
	})
}

// collect submits and returns the emitted results.
func collect(ctx context.Context, q *Queue, st RunStore, its []user.BatchItem, o SubmitOptions) ([]user.BatchResult, user.BatchSummary, error) {
	var got []user.BatchResult
	sum, err := q.Submit(ctx, st, its, o, func(r user.BatchResult) error { got = append(got, r); return nil })
	return got, sum, err
}

func TestMain(m *testing.M) {
	starlarkrt.RunWorkerIfRequested() // the sandbox processes of Subprocess isolation
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

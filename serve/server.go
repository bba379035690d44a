// Package serve is latm's network front end: a JSON API over HTTP
// (documented in docs/api.md and served as OpenAPI 3.1 at /openapi.json),
// an MCP server over stdio and streamable HTTP, health, readiness and
// Prometheus metrics, and a small web console.
//
// It holds no pipeline logic: every answer, call and tool comes from an
// Engine (engine.go), which Local implements over the packages below.
//
// Invariants:
//   - Every request body is bounded (Options.MaxBody, MaxBatchBody) and
//     every input validated; a bad request gets a 4xx with
//     {"error": {"code", "message", "field"}}, never a 500.
//   - With RequireTokens, every route but /healthz, /readyz and
//     /openapi.json needs a bearer token the TokenStore knows and has not
//     revoked; each token (or, without one, each client address) has its
//     own rate limit.
//   - Cross-origin requests get no CORS headers unless their origin is
//     listed in Options.CORSOrigins.
package serve

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/gateway"
	"github.com/latm/latm/library"
)

// TokenStore finds API tokens by the hash of their secret.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash string) (*library.Token, error)
}

// BatchStore keeps the inputs of API batches.
type BatchStore interface {
	SaveBatchInput(ctx context.Context, b *library.BatchInput) (bool, error)
	LoadBatchInput(ctx context.Context, id string) (*library.BatchInput, error)
	UnfinishedBatchInputs(ctx context.Context) ([]string, error)
}

// Options configure a Server. Zero values take the defaults noted.
type Options struct {
	Tokens        TokenStore
	RequireTokens bool     // tokens on every route but health and the API description
	RateLimit     int      // requests per minute per token or client; 0 means 600, < 0 none
	MaxBody       int64    // bytes of a request body; 0 means 1 MiB
	MaxBatchBody  int64    // bytes of a batch body; 0 means 16 MiB
	CORSOrigins   []string // origins allowed cross-origin requests; none by default
	Batches       BatchStore
	BatchWorkers  int        // instances of one batch solved at once; 0 means 2
	BatchQueue    BatchQueue // set: batches are solved by latm workers elsewhere (batches.go)
	// SharedPool, with BatchQueue, is the pool the workers keep the queued
	// batches' unknown questions in: the pending views show it beside the
	// engine's own, and labels reach it (pool.go).
	SharedPool SharedPool
	Logger     *slog.Logger
	Version    string

	// Gateway, when set, answers POST /v1/chat/completions and GET
	// /v1/models (gateway.go); the server closes it on Close.
	Gateway *gateway.Gateway

	// Tenants (tenant.go). ShareTools lets every tenant see and call the
	// tools other tenants' traffic made (never their usage examples);
	// Operators are token names that see every tenant's tools and
	// savings, as a caller without a token does.
	ShareTools bool
	Operators  []string
	// GatewayRecords holds the gateway's phases and savings; nil means the
	// store of a Local engine.
	GatewayRecords GatewayRecords
}

// Server serves the API, MCP and the console. Create it with New, serve
// Handler, and Close it to stop its background work.
type Server struct {
	eng  Engine
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	met  *metrics
	lim  *limiter
	mcp  *mcpServer

	ctx    context.Context // background work: jobs and batches
	cancel context.CancelFunc
	wg     sync.WaitGroup

	drainOnce sync.Once
	draining  chan struct{} // closed by Drain: not ready, streams end

	jobsMu sync.Mutex
	jobs   map[string]*Job

	batchMu sync.Mutex
	batches map[string]*batchRun
}

// New returns a Server over eng.
func New(eng Engine, opts Options) *Server {
	if opts.RateLimit == 0 {
		opts.RateLimit = 600
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.MaxBatchBody <= 0 {
		opts.MaxBatchBody = 16 << 20
	}
	if opts.BatchWorkers <= 0 {
		opts.BatchWorkers = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		eng: eng, opts: opts, log: opts.Logger, mux: http.NewServeMux(),
		met: newMetrics(), lim: newLimiter(opts.RateLimit, time.Now),
		ctx: ctx, cancel: cancel,
		jobs: map[string]*Job{}, batches: map[string]*batchRun{}, draining: make(chan struct{}),
	}
	s.mcp = newMCPServer(s)
	s.routes()
	return s
}

func (s *Server) routes() {
	open := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, h) }
	api := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.guard(h, s.opts.MaxBody)) }

	open("GET /healthz", s.healthz)
	open("GET /readyz", s.readyz)
	open("GET /openapi.json", s.openapi)
	api("GET /metrics", s.met.handler().ServeHTTP)

	api("POST /v1/solve", s.solve)
	api("POST /v1/tools/{ref}/call", s.callTool)
	api("POST /v1/tools", s.makeTool)
	api("GET /v1/jobs/{id}", s.getJob)
	api("GET /v1/tools", s.listTools)
	api("GET /v1/tools/{ref}", s.getTool)
	api("POST /v1/tools/{ref}/retire", s.setActive(false))
	api("POST /v1/tools/{ref}/reactivate", s.setActive(true))
	api("GET /v1/tools/{ref}/package", s.exportTool)
	api("POST /v1/packages", s.importPackage)
	api("GET /v1/search", s.search)
	s.mux.Handle("POST /v1/batches", s.guard(http.HandlerFunc(s.postBatch), s.opts.MaxBatchBody))
	api("GET /v1/batches/{id}", s.getBatch)
	api("GET /v1/batches/{id}/results", s.batchResults)
	api("GET /v1/runs", s.listRuns)
	api("GET /v1/pending", s.listPending)
	api("POST /v1/pending/{id}/label", s.label)
	api("GET /v1/cost", s.cost)
	api("GET /v1/savings", s.savings)

	s.mux.Handle("/mcp", s.guard(s.mcp.httpHandler(), s.opts.MaxBody))
	s.gatewayRoutes()
	s.consoleRoutes()
}

// route answers the requests no pattern matches with a JSON 404 or 405.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, codeMethod, "", r.Method+" is not allowed on "+r.URL.Path+"; use "+strings.Join(allowed, " or "))
		return
	}
	writeError(w, http.StatusNotFound, codeNotFound, "", "no route "+r.Method+" "+r.URL.Path+" (see /openapi.json)")
}

// Handler is the server's whole HTTP surface, with request logs, metrics
// and CORS around every route.
func (s *Server) Handler() http.Handler {
	return s.observe(s.cors(http.HandlerFunc(s.route)))
}

// Start resumes the API batches a previous server left unfinished and
// keeps the MCP tool list in step with the library, until Close.
func (s *Server) Start(ctx context.Context) error {
	s.mcp.start(s.ctx)
	if s.opts.Batches == nil {
		return nil
	}
	ids, err := s.opts.Batches.UnfinishedBatchInputs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		b, err := s.opts.Batches.LoadBatchInput(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.startBatch(b); err != nil {
			return err
		}
		s.log.Info("resumed batch", slog.String("batch", id), slog.Int("total", b.Total))
	}
	return nil
}

// Drain starts a shutdown: /readyz fails, so that a load balancer stops
// sending requests, and streamed batch results end (the client reads the
// rest after the restart). Requests in flight go on.
func (s *Server) Drain() {
	s.drainOnce.Do(func() { close(s.draining) })
}

// Close stops background jobs and batches (a batch resumes on the next
// Start) and waits for them to stop.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	if s.opts.Gateway != nil {
		return s.opts.Gateway.Close()
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ctx.Err() != nil || isClosed(s.draining) {
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "", "shutting down")
		return
	}
	if err := s.eng.Ready(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "", "not ready: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

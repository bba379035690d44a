package gateway

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Batch is the batch name under which the gateway's routes, runs and
// pending instances are kept; each request's id is its own.
const Batch = "gateway"

// ToolHeader names the tool that answered a request: "name@version".
const ToolHeader = "X-Latm-Tool"

// Deps are what the gateway is wired to.
type Deps struct {
	// Store keeps phases and request records; nil keeps them in memory
	// (a MemStore).
	Store Store
	// Pool is the library: tools, the pending pool, leases.
	Pool   dispatch.Store
	Solver *user.Solver
	// Maker makes the tools of groups with enough labels; nil never
	// makes any (the gateway then only forwards and pools).
	Maker  *maker.Maker
	Logger *slog.Logger
	// HTTP calls upstream; nil makes a client with Config.UpstreamTimeout.
	HTTP *http.Client
	// Rand draws spot checks, in [0, 1); nil uses math/rand/v2.
	Rand func() float64
}

// Gateway is the OpenAI-compatible endpoint. Create it with New; mount
// Chat at POST /v1/chat/completions and Models at GET /v1/models behind
// the server's authentication, which puts the Client in the request's
// context (WithClient); Close it to stop its background work.
type Gateway struct {
	cfg   Config
	store Store
	pool  dispatch.Store
	solve *user.Solver
	maker *maker.Maker
	log   *slog.Logger
	http  *http.Client
	rand  func() float64

	ctx    context.Context // background work: pooling, shadow runs, spot checks, making
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	tenants  map[string]*dispatch.Dispatcher
	making   map[string]int // tenant → making runs wanted (1 running, 2 run again after)
	remaking map[string]bool
	learn    learning
}

// New wires a gateway.
func New(cfg Config, d Deps) (*Gateway, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if d.Pool == nil || d.Solver == nil {
		return nil, errors.New("gateway: a pool store and a solver are required")
	}
	if d.Store == nil {
		d.Store = NewMemStore()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.HTTP == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = cfg.UpstreamTimeout
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.MaxIdleConnsPerHost = 64
		d.HTTP = &http.Client{Transport: tr}
	}
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		cfg: cfg, store: d.Store, pool: d.Pool, solve: d.Solver, maker: d.Maker, log: d.Logger, http: d.HTTP, rand: d.Rand,
		ctx: ctx, cancel: cancel,
		tenants: map[string]*dispatch.Dispatcher{}, making: map[string]int{}, remaking: map[string]bool{},
	}
	g.learn.init()
	return g, nil
}

// Config returns the settings the gateway runs with, defaults filled in.
func (g *Gateway) Config() Config { return g.cfg }

// Close stops the background work and waits for it.
func (g *Gateway) Close() error {
	g.cancel()
	g.wg.Wait()
	return nil
}

// Wait returns once the background work of the requests answered so far
// (pooling, shadow runs, spot checks, making and remaking) is done.
func (g *Gateway) Wait() { g.wg.Wait() }

// background runs f with the gateway's context, carrying the client c
// (whose credentials an upstream call on the side needs).
func (g *Gateway) background(c Client, f func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f(WithClient(g.ctx, c))
	}()
}

// dispatcher returns the tenant's dispatcher: its router sees only the
// operator's and the tenant's tools (all with ShareTools), its pool only
// the tenant's requests.
func (g *Gateway) dispatcher(tenant string) *dispatch.Dispatcher {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := g.tenants[tenant]; d != nil {
		return d
	}
	d := &dispatch.Dispatcher{
		Store:          g.pool,
		Router:         &dispatch.Router{Store: g.pool, Thresholds: dispatch.DefaultThresholds, Tenant: tenant, Share: g.cfg.ShareTools},
		Solver:         g.solve,
		Maker:          g.maker,
		Unknown:        dispatch.UnknownNone,
		MinExamples:    g.cfg.MinExamples,
		Tenant:         tenant,
		LabelsAnswered: true,
		Made:           func(ctx context.Context, t *tool.Tool, group int64) { g.made(ctx, tenant, t, group) },
	}
	if g.maker != nil {
		d.MinExamples = max(d.MinExamples, g.maker.Train+g.maker.Valid)
	}
	g.tenants[tenant] = d
	return d
}

func newID() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Models answers GET /v1/models with the upstream model.
func (g *Gateway) Models(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"object":"list","data":[{"id":%q,"object":"model","created":0,"owned_by":"latm"}]}`+"\n", g.cfg.Model)
}

// optedOut reports whether r carries the opt-out header.
func (g *Gateway) optedOut(r *http.Request) bool {
	v := strings.TrimSpace(r.Header.Get(g.cfg.OptOutHeader))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// Chat answers POST /v1/chat/completions: with a live tool that fits, or
// else as upstream does, forwarding the request unchanged.
func (g *Gateway) Chat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// Counted as background work until it returns, so that Wait, called
	// once a client has its reply, also waits for what the handler starts
	// after writing it.
	g.wg.Add(1)
	defer g.wg.Done()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, "invalid_request_error", "read the request body: "+err.Error())
		return
	}
	cl := clientOf(r.Context())
	rec := &tool.GatewayRequest{Tenant: cl.Tenant, At: start}
	req, question, why := g.cfg.candidate(body)
	if req != nil {
		rec.Model, rec.Stream = req.Model, req.Stream
	}
	if why == "" && g.optedOut(r) {
		why = "the request carries " + g.cfg.OptOutHeader
	}
	if why != "" {
		rec.Served, rec.Detail = tool.ServedPassthrough, why
		f := g.forward(r.Context(), w, r, body)
		g.settle(rec, f, req != nil && req.Stream, start)
		g.background(cl, func(ctx context.Context) { g.record(ctx, rec) })
		return
	}
	x := &exchange{g: g, w: w, r: r, body: body, req: req, question: question, rec: rec, client: cl, start: start, id: newID()}
	x.serve()
}

// settle fills rec from the upstream call f once the client has it.
func (g *Gateway) settle(rec *tool.GatewayRequest, f forwarded, streamed bool, start time.Time) upstreamReply {
	rec.Duration = time.Since(start)
	rec.Overhead = max(rec.Duration-f.elapsed, 0)
	if f.err != nil {
		rec.Detail = strings.TrimSpace(rec.Detail + "; upstream unreachable")
		return upstreamReply{}
	}
	rep, ok := readReply(f.body, streamed)
	if !ok {
		return upstreamReply{}
	}
	rec.UpstreamPromptTokens, rec.UpstreamCompletionTokens = rep.PromptTokens, rep.CompletionTokens
	rec.UpstreamCost = g.price(rep.PromptTokens, rep.CompletionTokens)
	return rep
}

// price is what upstream charges for the tokens.
func (g *Gateway) price(in, out int) float64 {
	return (float64(in)*g.cfg.PriceIn + float64(out)*g.cfg.PriceOut) / 1e6
}

// record stores rec; a failure is logged, never the client's concern.
func (g *Gateway) record(ctx context.Context, rec *tool.GatewayRequest) {
	if err := g.store.RecordGatewayRequest(context.WithoutCancel(ctx), rec); err != nil {
		g.log.Warn("gateway: record request", slog.String("error", err.Error()))
	}
}

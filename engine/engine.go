// Package engine is latm's method as a Go API: make a tool, solve one
// instance or a batch with it, run a stream of mixed instances (routing,
// the pending pool, making on threshold, resume), and read tools, runs and
// cost. Every front end — the CLI, an HTTP server, queue workers — calls
// it and holds no pipeline logic of its own.
//
// An Engine is wired once from one Config value that the front end builds:
// the model roles (llm), the store (library), the sandbox (starlarkrt) and
// the prompts. No package below reads flags, files or the environment; the
// engine connects the small interfaces they consume (the ledger and the
// response cache of the llm client are the store's).
//
// The engine never prints, parses flags or speaks HTTP: that is the front
// end's. Its methods take a context first and are safe for concurrent use.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Config is everything an Engine is wired from. The zero value of a field
// takes the default Defaults gives it, except where noted.
type Config struct {
	DB         string // SQLite file (Open only); created on first use
	PromptsDir string // directory of templates overriding the embedded ones; "" for none
	Cache      bool   // serve temperature-0 calls from the store's response cache
	Record     string // append every model exchange to this JSONL file
	Replay     string // serve model exchanges from this JSONL file, with no network
	// Getenv reads the variables that hold API keys (each role names its
	// own); nil means os.Getenv. The engine reads nothing else from the
	// environment.
	Getenv func(string) string

	// Log receives retry notices from the model client: every retry when
	// Verbose is set, else one line for a call still retrying after a few
	// seconds. Nil: silent.
	Log     io.Writer
	Verbose bool

	// Roles reach and price each model role. A role with no base URL or
	// key variable takes BaseURL and APIKeyEnv.
	Roles     map[llm.Role]llm.RoleConfig
	BaseURL   string
	APIKeyEnv string

	// Runtime configures the sandbox (Open only). The zero value runs
	// programs in-process under the default limits; Subprocess isolation
	// needs the program's main to call starlarkrt.RunWorkerIfRequested
	// first, or Runtime.WorkerPath set.
	Runtime starlarkrt.Options
	Workers int // instances solved at once in batches and streams

	Make     MakeConfig
	Solve    SolveConfig
	Dispatch DispatchConfig
}

// MakeConfig steers tool making.
type MakeConfig struct {
	Train        int  // training examples shown to the maker
	Valid        int  // validation examples the tool is tested on
	ProposeTries int  // replies allowed to produce a loadable tool
	VerifyTries  int  // replies allowed to produce passing tests
	Parser       bool // after packaging, ask the maker for a verified parse(question) (maker.Maker.Parser)
	Schema       bool // last, ask the maker for the arguments' JSON Schema, checked; else the derived one is stored (maker.Maker.Schema)
}

// SolveConfig steers tool use.
type SolveConfig struct {
	Retries  int    // retries after a sandbox error, with the error fed back
	Template bool   // answer with no model call when the tool's call is a template of the question (guarded)
	Call     string // user.CallCode, user.CallJSON or user.CallAuto ("" is code)
	JSONVia  string // how a JSON call is asked for: an llm.JSONVia* way ("" is auto)
	// Shadow is how many answers of each no-model path of a tool version
	// the user model confirms before the path answers alone; one
	// disagreement turns the version's no-model paths off (user.Solver.Shadow).
	// Used as given: 0 checks none.
	Shadow int
}

// DispatchConfig steers routing and the pending pool.
type DispatchConfig struct {
	Unknown     string // dispatch.UnknownSolver or dispatch.UnknownNone
	ModelLabels bool   // count the solver's answers as labels
	// MinExamples is how many labelled instances a pending group needs
	// before its tool is made; never fewer than Make.Train+Make.Valid.
	MinExamples int
}

// Defaults are the settings a front end starts from. The models and
// prices are OpenAI's defaults; the caller sets the endpoint and the key.
func Defaults() Config {
	role := func(model string, temp float32, maxTokens int, in, out float64) llm.RoleConfig {
		return llm.RoleConfig{Model: model, Temperature: temp, MaxTokens: maxTokens, MaxRetries: 5, PriceIn: in, PriceOut: out}
	}
	return Config{
		Cache:     true,
		BaseURL:   llm.DefaultBaseURL,
		APIKeyEnv: "OPENAI_API_KEY",
		Roles: map[llm.Role]llm.RoleConfig{
			llm.Maker:      role("gpt-4.1", 0.3, 2048, 2.00, 8.00),
			llm.User:       role("gpt-4.1-mini", 0, 512, 0.40, 1.60),
			llm.Dispatcher: role("gpt-4.1-mini", 0, 64, 0.40, 1.60),
			llm.Solver:     role("gpt-4.1", 0, 2048, 2.00, 8.00),
		},
		Workers:  4,
		Make:     MakeConfig{Train: 3, Valid: 3, ProposeTries: 3, VerifyTries: 3, Parser: true, Schema: true},
		Solve:    SolveConfig{Retries: 1, Template: true, Call: "code", JSONVia: llm.JSONViaAuto, Shadow: user.DefaultShadow},
		Dispatch: DispatchConfig{Unknown: dispatch.UnknownSolver, MinExamples: 6},
	}
}

// UsageError is a configuration the engine cannot be wired from: the
// front end's to fix (a bad role, an unknown policy, a missing prompt).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Engine is the method wired to its roles, store, sandbox and prompts.
type Engine struct {
	cfg     Config
	store   *library.Store
	rt      *starlarkrt.Runtime
	prompts *prompts.Set
	client  *llm.Client
	solver  *user.Solver

	ownStore bool // Close closes the store and the sandbox (Open)

	dmu sync.Mutex
	// disp is shared by every stream of this engine, so that two streams
	// in one process never make one group's tool twice.
	disp *dispatch.Dispatcher
}

// Open wires an Engine that opens the store at cfg.DB and starts the
// sandbox from cfg.Runtime; Close closes them.
func Open(cfg Config) (*Engine, error) {
	st, err := library.Open(cfg.DB)
	if err != nil {
		return nil, err
	}
	rt := starlarkrt.New(cfg.Runtime)
	e, err := New(cfg, st, rt)
	if err != nil {
		return nil, errors.Join(err, rt.Close(), st.Close())
	}
	e.ownStore = true
	return e, nil
}

// New wires an Engine on a store and a sandbox the caller opened and
// closes; Close closes only the model client the engine made.
func New(cfg Config, st *library.Store, rt *starlarkrt.Runtime) (*Engine, error) {
	return newEngine(cfg, st, rt, nil)
}

func newEngine(cfg Config, st *library.Store, rt *starlarkrt.Runtime, wrap func(llm.Ledger) llm.Ledger) (*Engine, error) {
	if st == nil || rt == nil {
		return nil, errors.New("engine: a store and a runtime are required")
	}
	switch cfg.Dispatch.Unknown {
	case "":
		cfg.Dispatch.Unknown = dispatch.UnknownSolver
	case dispatch.UnknownSolver, dispatch.UnknownNone:
	default:
		return nil, &UsageError{fmt.Errorf("dispatch.unknown is %q; set it to %q or %q", cfg.Dispatch.Unknown, dispatch.UnknownSolver, dispatch.UnknownNone)}
	}
	ps, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return nil, &UsageError{err}
	}
	lc := cfg.llmConfig()
	var ledger llm.Ledger = storeLedger{st}
	if wrap != nil {
		ledger = wrap(ledger)
	}
	lc.Ledger = ledger
	if cfg.Cache {
		lc.Cache = storeCache{st}
	}
	client, err := llm.New(lc)
	if err != nil {
		return nil, &UsageError{err}
	}
	e := &Engine{cfg: cfg, store: st, rt: rt, prompts: ps, client: client}
	e.solver = &user.Solver{LLM: client, Runtime: rt, Prompts: ps, Store: st, Retries: cfg.Solve.Retries, Template: cfg.Solve.Template, Call: cfg.Solve.Call,
		JSONVia: cfg.Solve.JSONVia, Shadow: max(cfg.Solve.Shadow, 0), Shadows: st}
	return e, nil
}

// llmConfig maps the roles onto the client's configuration; a role with no
// base URL or key variable takes the top-level ones.
func (c Config) llmConfig() llm.Config {
	lc := llm.Config{Roles: map[llm.Role]llm.RoleConfig{}, NoCache: !c.Cache, Record: c.Record, Replay: c.Replay, Getenv: c.Getenv, Log: c.Log, Verbose: c.Verbose}
	for role, rc := range c.Roles {
		if rc.BaseURL == "" {
			rc.BaseURL = c.BaseURL
		}
		if rc.APIKeyEnv == "" {
			rc.APIKeyEnv = c.APIKeyEnv
		}
		lc.Roles[role] = rc
	}
	return lc
}

// WithLedger returns an Engine on the same store, sandbox and prompts
// whose model client reports every call to wrap(the store's ledger) — a
// caller that counts calls per unit of work (eval) sees each one before
// the store does. Its Close closes only its own client.
func (e *Engine) WithLedger(wrap func(llm.Ledger) llm.Ledger) (*Engine, error) {
	return newEngine(e.cfg, e.store, e.rt, wrap)
}

// Close closes the model client, and the store and sandbox if Open opened them.
func (e *Engine) Close() error {
	errs := []error{e.client.Close()}
	if e.ownStore {
		errs = append(errs, e.rt.Close(), e.store.Close())
	}
	return errors.Join(errs...)
}

// Config returns the configuration the engine was wired from.
func (e *Engine) Config() Config { return e.cfg }

// Store returns the engine's store.
func (e *Engine) Store() *library.Store { return e.store }

// Runtime returns the engine's sandbox.
func (e *Engine) Runtime() *starlarkrt.Runtime { return e.rt }

// Prompts returns the engine's prompt templates.
func (e *Engine) Prompts() *prompts.Set { return e.prompts }

// LLM returns the engine's model client.
func (e *Engine) LLM() *llm.Client { return e.client }

// Solver returns the tool user, wired to the engine.
func (e *Engine) Solver() *user.Solver { return e.solver }

// Maker returns a tool maker wired to the engine, showing train training
// and testing valid validation examples (0: the configured numbers).
func (e *Engine) Maker(train, valid int) *maker.Maker {
	if train <= 0 {
		train = e.cfg.Make.Train
	}
	if valid <= 0 {
		valid = e.cfg.Make.Valid
	}
	return &maker.Maker{
		LLM: e.client, Runtime: e.rt, Prompts: e.prompts,
		Train: train, Valid: valid,
		ProposeTries: e.cfg.Make.ProposeTries, VerifyTries: e.cfg.Make.VerifyTries,
		Model:  e.cfg.Roles[llm.Maker].Model,
		Parser: e.cfg.Make.Parser,
		Schema: e.cfg.Make.Schema,
	}
}

// Dispatcher returns the engine's dispatcher, made on first use and shared
// by every stream of the engine.
func (e *Engine) Dispatcher() *dispatch.Dispatcher {
	e.dmu.Lock()
	defer e.dmu.Unlock()
	if e.disp == nil {
		c, m := e.cfg, e.Maker(0, 0)
		e.disp = &dispatch.Dispatcher{
			Store:       e.store,
			Router:      &dispatch.Router{Store: e.store, LLM: e.client, Prompts: e.prompts, Thresholds: dispatch.DefaultThresholds},
			Solver:      e.solver,
			LLM:         e.client,
			Prompts:     e.prompts,
			Maker:       m,
			Unknown:     c.Dispatch.Unknown,
			ModelLabels: c.Dispatch.ModelLabels,
			MinExamples: max(c.Dispatch.MinExamples, m.Train+m.Valid),
		}
	}
	return e.disp
}

// storeLedger records model calls in the store's ledger.
type storeLedger struct{ st *library.Store }

func (l storeLedger) RecordCall(ctx context.Context, c llm.Call) error {
	return l.st.RecordCall(ctx, &tool.ModelCall{
		Role: string(c.Role), Model: c.Model, Endpoint: c.Endpoint, Tool: c.Tool,
		TokensIn: c.TokensIn, TokensOut: c.TokensOut, Estimated: c.Estimated, Cost: c.Cost,
		Latency: c.Latency, Status: c.Status, CacheHit: c.CacheHit,
	})
}

// storeCache keeps model responses in the store's response cache.
type storeCache struct{ st *library.Store }

func (s storeCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return s.st.CacheGet(ctx, key)
}

func (s storeCache) Put(ctx context.Context, key string, value []byte) error {
	return s.st.CachePut(ctx, key, value)
}

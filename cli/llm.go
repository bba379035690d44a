package cli

import (
	"context"

	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
)

// LLM returns the model client for this invocation, wired to the ledger and
// the response cache in the store, and to --record/--replay.
func (a *App) LLM() (*llm.Client, error) {
	// The store first: App.Close holds the App's lock while it takes
	// llmMu, so LLM must never wait for the App's lock holding llmMu.
	st, err := a.Store()
	if err != nil {
		return nil, err
	}
	a.llmMu.Lock()
	defer a.llmMu.Unlock()
	if a.llmc != nil {
		return a.llmc, nil
	}
	cfg := a.llmConfig()
	cfg.Ledger = storeLedger{st}
	if a.Cfg.Cache {
		cfg.Cache = storeCache{st}
	}
	c, err := llm.New(cfg)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	a.llmc = c
	return c, nil
}

// llmConfig maps the role settings onto the client's configuration; a role
// with no base URL or key variable takes the top-level ones.
func (a *App) llmConfig() llm.Config {
	cfg := llm.Config{
		Roles:   map[llm.Role]llm.RoleConfig{},
		NoCache: !a.Cfg.Cache,
		Record:  a.Cfg.Record,
		Replay:  a.Cfg.Replay,
		Getenv:  a.Getenv,
		Log:     a.Err,
		Verbose: a.verbose,
	}
	for role, rc := range map[llm.Role]RoleConfig{
		llm.Maker: a.Cfg.Maker, llm.User: a.Cfg.User, llm.Dispatcher: a.Cfg.Dispatcher, llm.Solver: a.Cfg.Solver,
	} {
		if rc.BaseURL == "" {
			rc.BaseURL = a.Cfg.BaseURL
		}
		if rc.APIKeyEnv == "" {
			rc.APIKeyEnv = a.Cfg.APIKeyEnv
		}
		cfg.Roles[role] = llm.RoleConfig{
			BaseURL: rc.BaseURL, Model: rc.Model, APIKeyEnv: rc.APIKeyEnv, APIType: rc.APIType,
			APIVersion: rc.APIVersion, Temperature: rc.Temperature, MaxTokens: rc.MaxTokens,
			Timeout: rc.Timeout, ConnectTimeout: rc.ConnectTimeout, HeaderTimeout: rc.HeaderTimeout,
			MaxRetries: rc.Retries, PriceIn: rc.PriceIn, PriceOut: rc.PriceOut,
		}
	}
	return cfg
}

// closeLLM closes this App's model client, if one was opened.
func (a *App) closeLLM() error {
	a.llmMu.Lock()
	c := a.llmc
	a.llmc = nil
	a.llmMu.Unlock()
	if c == nil {
		return nil
	}
	return c.Close()
}

// storeLedger records model calls in the store's ledger.
type storeLedger struct{ st *library.Store }

func (l storeLedger) RecordCall(ctx context.Context, c llm.Call) error {
	return l.st.RecordCall(ctx, &library.ModelCall{
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

package cli

import (
	"errors"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/llm"
)

// Engine returns the method wired from this invocation's configuration:
// on the App's store and sandbox, with its own model client (the ledger
// and the response cache in the store, --record/--replay). Every command
// that runs the method goes through it.
func (a *App) Engine() (*engine.Engine, error) {
	// The store first: App.Close holds the App's lock while it takes
	// llmMu, so Engine must never wait for the App's lock holding llmMu.
	st, err := a.Store()
	if err != nil {
		return nil, err
	}
	rt := a.Runtime()
	a.llmMu.Lock()
	defer a.llmMu.Unlock()
	if a.eng != nil {
		return a.eng, nil
	}
	e, err := engine.New(a.engineConfig(), st, rt)
	if err != nil {
		var ue *engine.UsageError
		if errors.As(err, &ue) {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		return nil, err
	}
	a.eng = e
	return e, nil
}

// LLM returns the engine's model client.
func (a *App) LLM() (*llm.Client, error) {
	e, err := a.Engine()
	if err != nil {
		return nil, err
	}
	return e.LLM(), nil
}

// engineConfig maps the configuration onto the engine's.
func (a *App) engineConfig() engine.Config {
	c := a.Cfg
	ec := engine.Config{
		DB: c.DB, PromptsDir: c.PromptsDir, Cache: c.Cache, Record: c.Record, Replay: c.Replay,
		Getenv: a.Getenv, Roles: map[llm.Role]llm.RoleConfig{},
		Log: a.Err, Verbose: a.verbose,
		BaseURL: c.BaseURL, APIKeyEnv: c.APIKeyEnv,
		Runtime: a.runtimeOptions(), Workers: c.Workers,
		Make:     engine.MakeConfig{Train: c.Make.Train, Valid: c.Make.Valid, ProposeTries: c.Make.ProposeTries, VerifyTries: c.Make.VerifyTries, Parser: c.Make.Parser, Schema: c.Make.Schema},
		Solve:    engine.SolveConfig{Retries: c.Solve.Retries, Template: c.Solve.Template, Call: c.Solve.Call, JSONVia: c.Solve.JSONVia, Shadow: c.Solve.Shadow},
		Dispatch: engine.DispatchConfig{Unknown: c.Dispatch.Unknown, ModelLabels: c.Dispatch.ModelLabels, MinExamples: c.Dispatch.MinExamples},
	}
	for role, rc := range map[llm.Role]RoleConfig{
		llm.Maker: c.Maker, llm.User: c.User, llm.Dispatcher: c.Dispatcher, llm.Solver: c.Solver,
	} {
		ec.Roles[role] = llm.RoleConfig{
			BaseURL: rc.BaseURL, Model: rc.Model, APIKeyEnv: rc.APIKeyEnv, APIType: rc.APIType,
			APIVersion: rc.APIVersion, Temperature: rc.Temperature, MaxTokens: rc.MaxTokens,
			Timeout: rc.Timeout, ConnectTimeout: rc.ConnectTimeout, HeaderTimeout: rc.HeaderTimeout,
			MaxRetries: rc.Retries, PriceIn: rc.PriceIn, PriceOut: rc.PriceOut,
		}
	}
	return ec
}

// closeLLM closes this App's engine (its model client), if one was made.
func (a *App) closeLLM() error {
	a.llmMu.Lock()
	e := a.eng
	a.eng = nil
	a.llmMu.Unlock()
	if e == nil {
		return nil
	}
	return e.Close()
}

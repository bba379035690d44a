package engine

import (
	"context"
	"time"

	"github.com/latm/latm/eval"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/user"
)

// Evaluate runs the benchmark o (eval.Run) with the method as e wires it
// and returns the results, headed by what produced them: the models and
// endpoints of the roles the methods use, the prompt and task hashes, and
// version (the latm build). It lives here, not in eval, so that eval, like
// the other packages below the engine, links no store.
//
// The run has a model client of its own, on e's store, sandbox and
// prompts, whose ledger counts every call for the instance or making it
// belongs to (eval.Ledger) before the store's ledger records it. Train and
// Valid default to e's making settings. On an error the results hold the
// rows finished before it.
func (e *Engine) Evaluate(ctx context.Context, o eval.Options, version string) (*eval.Results, error) {
	cfg := e.cfg
	if o.Train <= 0 {
		o.Train = cfg.Make.Train
	}
	if o.Valid <= 0 {
		o.Valid = cfg.Make.Valid
	}
	if o.CoTRole == "" {
		o.CoTRole = llm.User
	}
	if len(o.Methods) == 0 {
		o.Methods = []string{eval.MethodLATM, eval.MethodCoT, eval.MethodDirect}
	}
	res := &eval.Results{
		LATMVersion:  version,
		Started:      time.Now().UTC(),
		Roles:        map[string]eval.RoleInfo{},
		PromptHashes: map[string]string{},
		TaskHashes:   map[string]string{},
		Methods:      o.Methods,
		Limit:        o.Limit,
		CoTRole:      string(o.CoTRole),
		Calls:        o.Calls,
	}
	for role, rc := range cfg.Roles {
		if !uses(o.Methods, o.CoTRole, role) {
			continue
		}
		base := rc.BaseURL
		if base == "" {
			base = cfg.BaseURL
		}
		if base == "" {
			base = llm.DefaultBaseURL
		}
		res.Roles[string(role)] = eval.RoleInfo{Model: rc.Model, Endpoint: llm.StripUserinfo(base), PriceIn: rc.PriceIn, PriceOut: rc.PriceOut}
	}
	set := e.Prompts()
	for _, name := range set.Names() {
		res.PromptHashes[name] = set.Hash(name)
	}
	for _, t := range o.Tasks {
		res.Tasks = append(res.Tasks, t.Name)
		res.TaskHashes[t.Name] = t.Hash()
	}
	o.Roles = res.Roles

	metered, err := e.WithLedger(eval.Ledger)
	if err != nil {
		return res, err
	}
	defer metered.Close()
	m := metered.Maker(o.Train, o.Valid)
	// As the paper measures it: runs are not recorded in the store (the
	// checkpoint resumes eval) and no template path skips the user model.
	solver := func(call string) *user.Solver {
		return &user.Solver{LLM: metered.LLM(), Runtime: metered.Runtime(), Prompts: set, Retries: cfg.Solve.Retries, Call: call, JSONVia: cfg.Solve.JSONVia}
	}
	d := eval.Deps{Chat: metered.LLM(), Prompts: set, Maker: m, Solver: solver(cfg.Solve.Call), Solvers: map[string]eval.Solver{}}
	for _, c := range o.Calls {
		d.Solvers[c] = solver(c)
	}
	rows, err := eval.Run(ctx, d, o)
	res.Rows = rows
	res.Finished = time.Now().UTC()
	return res, err
}

// uses says whether role answers for one of methods.
func uses(methods []string, cotRole, role llm.Role) bool {
	for _, m := range methods {
		switch {
		case m == eval.MethodLATM && (role == llm.Maker || role == llm.User),
			m == eval.MethodDirect && role == llm.Solver,
			m == eval.MethodCoT && role == cotRole:
			return true
		}
	}
	return false
}

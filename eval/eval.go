// Package eval reproduces the tool-making paper's comparison on any
// endpoint: for each task it runs the methods — latm (the maker makes a tool
// once, the user model solves every test instance with it), cot (few-shot
// chain of thought) and direct (the strong model answers with no tool) — and
// reports accuracy next to model calls, tokens, money and time.
//
// It never claims an accuracy: every figure it prints comes from the model
// replies it was given. Its tests run against scripted servers and say so.
//
// A run appends one line per finished instance to a checkpoint file, so a
// re-run with the same checkpoint resumes where it stopped; temperature-0
// calls are also served from the LLM cache.
package eval

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Methods.
const (
	MethodLATM   = "latm"
	MethodCoT    = "cot"
	MethodDirect = "direct"
)

// Chatter is the model client eval asks directly (cot and direct).
type Chatter interface {
	Chat(ctx context.Context, req llm.Request) (*llm.Response, error)
}

// ToolMaker makes a tool for a task; *maker.Maker is one.
type ToolMaker interface {
	Make(ctx context.Context, task maker.Task) (*tool.Tool, maker.Attempt, error)
}

// Solver answers one instance with one tool; *user.Solver is one. A failed
// run (the model's code erred) is a run with OK false and a nil error; an
// error is a failure of the machinery (endpoint, sandbox, cancel).
type Solver interface {
	Solve(ctx context.Context, tool *tool.Tool, in user.Instance) (*tool.Run, error)
}

// Deps are the packages a run drives. Chat, Maker and Solver must share a
// model client whose ledger is wrapped by Ledger: that is how eval counts
// each instance's and each making's calls, tokens and cost.
type Deps struct {
	Chat    Chatter
	Prompts *prompts.Set
	Maker   ToolMaker // needed by the latm method
	Solver  Solver    // needed by the latm method
	// Solvers answer with each call mode of Options.Calls (user.CallCode,
	// user.CallJSON, user.CallAuto), for a comparison of the modes.
	Solvers map[string]Solver
}

// Options choose what to run.
type Options struct {
	Tasks      []*Task
	Methods    []string // default: latm, cot, direct
	Limit      int      // test instances per task; 0: all
	CoTRole    llm.Role // the role that answers with chain of thought (default user)
	Workers    int      // instances in flight (default 4)
	Train      int      // training examples given to the maker (default 3, at most 5)
	Valid      int      // validation examples given to the maker (default 3, at most 5)
	Checkpoint string   // JSONL file to resume from and append to; "" for none
	// Calls, when set, runs the latm method once per call mode (each
	// answered by Deps.Solvers[mode]) on the same tool and test set: one
	// row per mode.
	Calls    []string
	Progress func(done, total int)
	// Roles says which model and endpoint answer for each role; each row
	// names those its figures were measured on.
	Roles map[string]RoleInfo
}

// Row is one task × method result.
type Row struct {
	Task     string  `json:"task"`
	Method   string  `json:"method"`
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"` // percent
	Errors   int     `json:"errors"`   // instances that ended in an error (scored wrong)
	// Unfinished counts the errors that were not the model's doing (the
	// endpoint failed after its retries, the sandbox broke): they are not
	// checkpointed, so a re-run with the checkpoint tries them again.
	Unfinished int `json:"unfinished,omitempty"`
	// Resumed counts the instances taken from the checkpoint, measured on
	// the same models and questions by an earlier run.
	Resumed   int     `json:"resumed,omitempty"`
	Calls     int     `json:"calls"`
	CacheHits int     `json:"cache_hits"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	Estimated bool    `json:"tokens_estimated,omitempty"`
	Cost      float64 `json:"cost"` // all calls, making included
	MakeCost  float64 `json:"make_cost,omitempty"`
	MakeCalls int     `json:"make_calls,omitempty"`
	// MakeTokensIn and MakeTokensOut are the making's share of the tokens.
	MakeTokensIn  int   `json:"make_tokens_in,omitempty"`
	MakeTokensOut int   `json:"make_tokens_out,omitempty"`
	WallMS        int64 `json:"wall_ms"`
	// Measured names the models and endpoints that produced the figures.
	Measured string `json:"measured"`
	// FirstError is the first instance error, for a hint of what went wrong.
	FirstError string `json:"first_error,omitempty"`
	// Call is the call mode the user model answered in (latm with
	// Options.Calls only).
	Call string `json:"call,omitempty"`
	// Retries counts user-model calls beyond the first per instance
	// (feedback after a failed run, a refused grounding or refused JSON).
	Retries int `json:"retries,omitempty"`
	// Invalid counts JSON arguments refused by the argument schema.
	Invalid int `json:"invalid_arguments,omitempty"`
	// Tool making (latm only).
	Tool         string `json:"tool,omitempty"`
	MakeOK       bool   `json:"make_ok,omitempty"`
	MakeError    string `json:"make_error,omitempty"`
	ProposeTries int    `json:"propose_tries,omitempty"`
	VerifyTries  int    `json:"verify_tries,omitempty"`
}

// Run evaluates every task with every method. An instance whose answer
// could not be had for a reason that is not the model's (the endpoint
// failed after its retries, the sandbox broke) is scored wrong and counted
// in Errors, but not checkpointed, so that a re-run tries it again.
func Run(ctx context.Context, d Deps, o Options) ([]Row, error) {
	if len(o.Methods) == 0 {
		o.Methods = []string{MethodLATM, MethodCoT, MethodDirect}
	}
	for _, m := range o.Methods {
		if m != MethodLATM && m != MethodCoT && m != MethodDirect {
			return nil, fmt.Errorf("method %q: want latm, cot or direct", m)
		}
		if m == MethodLATM && (d.Maker == nil || d.Solver == nil && len(o.Calls) == 0) {
			return nil, errors.New("method latm needs a maker and a solver")
		}
	}
	for _, c := range o.Calls {
		if d.Solvers[c] == nil {
			return nil, fmt.Errorf("call mode %q has no solver", c)
		}
	}
	if d.Chat == nil || d.Prompts == nil {
		return nil, errors.New("eval needs a model client and prompts")
	}
	if o.CoTRole == "" {
		o.CoTRole = llm.User
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Train <= 0 {
		o.Train = 3
	}
	if o.Valid <= 0 {
		o.Valid = 3
	}
	for _, t := range o.Tasks {
		if o.Train > len(t.Train) || o.Valid > len(t.Valid) {
			return nil, fmt.Errorf("task %s has %d training and %d validation examples; the maker is set to take %d and %d (lower make.train/make.valid)",
				t.Name, len(t.Train), len(t.Valid), o.Train, o.Valid)
		}
	}
	cp, err := openCheckpoint(o.Checkpoint)
	if err != nil {
		return nil, err
	}
	defer cp.Close()

	total := 0
	for _, t := range o.Tasks {
		for _, m := range o.Methods {
			if m == MethodCoT && t.CoT == "" {
				continue
			}
			n := len(limitTest(t.Test, o.Limit))
			if m == MethodLATM && len(o.Calls) > 0 {
				n *= len(o.Calls)
			}
			total += n
		}
	}
	var done int
	var doneMu sync.Mutex
	tick := func() {
		doneMu.Lock()
		done++
		if o.Progress != nil {
			o.Progress(done, total)
		}
		doneMu.Unlock()
	}

	var rows []Row
	made := map[string]toolRecord{} // one making per task, shared by the call modes
	for _, t := range o.Tasks {
		for _, m := range o.Methods {
			if m == MethodCoT && t.CoT == "" {
				continue
			}
			calls := []string{""}
			if m == MethodLATM && len(o.Calls) > 0 {
				calls = o.Calls
			}
			for _, call := range calls {
				row, err := runOne(ctx, d, o, cp, t, m, call, made, tick)
				if err != nil {
					return rows, err
				}
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}

// methodKey is what a row's instances are checkpointed under: the method,
// and the call mode when modes are compared.
func methodKey(method, call string) string {
	if call == "" {
		return method
	}
	return method + "+" + call
}

// refusedJSON counts the JSON arguments a run's guards record as refused
// by the argument schema (user.Solver's note).
func refusedJSON(guards string) int { return strings.Count(guards, "json arguments refused") }

func limitTest(test []Example, limit int) []Example {
	if limit > 0 && limit < len(test) {
		return test[:limit]
	}
	return test
}

// measured names the models and endpoints a method's figures come from.
func measured(o Options, method string) string {
	switch method {
	case MethodLATM:
		return measuredRoles(o, llm.Maker, llm.User)
	case MethodCoT:
		return measuredRoles(o, o.CoTRole)
	case MethodDirect:
		return measuredRoles(o, llm.Solver)
	}
	return ""
}

// measuredRoles names the models and endpoints of roles, as rows show them.
func measuredRoles(o Options, roles ...llm.Role) string {
	var parts []string
	for _, r := range roles {
		ri, ok := o.Roles[string(r)]
		if !ok {
			// Unnamed roles still tell measurements apart.
			parts = append(parts, string(r))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s @ %s", r, ri.Model, ri.Endpoint))
	}
	return strings.Join(parts, "; ")
}

// modelFault marks an instance the model got wrong in a way that is its
// own doing (its code failed on every try): scored wrong and checkpointed.
type modelFault struct{ msg string }

func (e *modelFault) Error() string { return e.msg }

// runOne evaluates one task with one method (and, for latm with
// Options.Calls, one call mode).
func runOne(ctx context.Context, d Deps, o Options, cp *checkpoint, t *Task, method, call string, made map[string]toolRecord, tick func()) (Row, error) {
	row := Row{Task: t.Name, Method: method, Call: call, Measured: measured(o, method)}
	test := limitTest(t.Test, o.Limit)
	row.N = len(test)
	key := methodKey(method, call)

	// solveOne answers one question; invalid counts refused JSON arguments.
	var solveOne func(ctx context.Context, i int, q string) (answer string, invalid int, err error)
	switch method {
	case MethodDirect:
		solveOne = func(ctx context.Context, _ int, q string) (string, int, error) {
			a, err := askDirect(ctx, d.Chat, d.Prompts, q)
			return a, 0, err
		}
	case MethodCoT:
		solveOne = func(ctx context.Context, _ int, q string) (string, int, error) {
			a, err := askCoT(ctx, d.Chat, d.Prompts, o.CoTRole, t.CoT, q)
			return a, 0, err
		}
	case MethodLATM:
		solver := d.Solver
		if call != "" {
			solver = d.Solvers[call]
		}
		tool, unfinished, err := makeTool(ctx, d, o, cp, t, made, &row)
		if err != nil {
			return row, err
		}
		if tool == nil { // making failed: every instance is scored wrong, as in the paper
			row.Errors = row.N
			if unfinished {
				// Not the model's failure: nothing was checkpointed, so a
				// re-run makes the tool again.
				row.Unfinished, row.FirstError = row.N, row.MakeError
			}
			for range test {
				tick()
			}
			return row, nil
		}
		solveOne = func(ctx context.Context, i int, q string) (string, int, error) {
			run, err := solver.Solve(ctx, tool, user.Instance{ID: fmt.Sprintf("%s/%d", t.Name, i), Batch: "eval", Question: q})
			if err != nil {
				return "", 0, err
			}
			if !run.OK {
				return run.Answer, refusedJSON(run.Guards), &modelFault{run.Error}
			}
			return run.Answer, refusedJSON(run.Guards), nil
		}
	}

	// The making's wall time is in the row already (from the checkpoint
	// when it was resumed); this is the instances'.
	start := time.Now()
	// One error policy for every batch in latm: an instance that fails is
	// a result (scored wrong; checkpointed unless the failure was not the
	// model's); the checkpoint failing or ctx ending stops the run.
	results := make([]instance, len(test))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Workers)
	for i, ex := range test {
		qh := exampleHash(ex)
		if prev, ok := cp.done(t.Name, key, i, row.Measured, qh); ok {
			results[i] = prev
			row.Resumed++
			tick()
			continue
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			m := &meter{}
			got, invalid, err := solveOne(withMeter(gctx, m), i, ex.Question)
			if gctx.Err() != nil {
				return gctx.Err() // not finished: not recorded, so a re-run does it again
			}
			in := instance{Kind: "instance", Task: t.Name, Method: key, Index: i, Answer: got, Correct: err == nil && answer.Correct(t.Name, got, ex.Answer), Measured: row.Measured, Question: qh, Invalid: invalid, usage: m.usage()}
			if err != nil {
				in.Error = err.Error()
			}
			var fault *modelFault
			in.unfinished = err != nil && !errors.As(err, &fault)
			results[i] = in
			if !in.unfinished {
				if err := cp.append(in); err != nil {
					return err
				}
			}
			tick()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return row, err
	}
	if err := ctx.Err(); err != nil {
		return row, err
	}
	for _, r := range results {
		if r.Correct {
			row.Correct++
		}
		if r.Error != "" {
			row.Errors++
			if r.unfinished {
				row.Unfinished++
			}
			// An error outside the model is the more useful hint.
			if row.FirstError == "" || r.unfinished && row.Unfinished == 1 {
				row.FirstError = r.Error
			}
		}
		row.add(r.usage)
		row.Invalid += r.Invalid
		if method == MethodLATM && r.Calls > 1 {
			row.Retries += r.Calls - 1
		}
	}
	if row.N > 0 {
		row.Accuracy = 100 * float64(row.Correct) / float64(row.N)
	}
	row.WallMS += time.Since(start).Milliseconds()
	return row, nil
}

// makeTool makes the task's tool once (or takes it from the checkpoint).
// The maker sees the first o.Train training and the first o.Valid
// validation examples, as in the paper. A making that stopped because the
// maker's endpoint failed after its retries returns a nil tool with
// unfinished set, and is not checkpointed, so that a re-run tries again.
func makeTool(ctx context.Context, d Deps, o Options, cp *checkpoint, t *Task, made map[string]toolRecord, row *Row) (tl *tool.Tool, unfinished bool, err error) {
	shown := append(append([]Example{}, t.Train[:o.Train]...), t.Valid[:o.Valid]...)
	makerModel, examplesHash := measuredRoles(o, llm.Maker), exampleHash(shown...)
	rec, ok := made[t.Name]
	if !ok {
		rec, ok = cp.tool(t.Name, makerModel, examplesHash)
	}
	if !ok {
		m := &meter{}
		var examples []tool.Example
		for _, e := range shown {
			examples = append(examples, tool.Example{Question: e.Question, Answer: e.Answer})
		}
		start := time.Now()
		tl, att, err := d.Maker.Make(withMeter(ctx, m), maker.Task{Name: t.Name, Examples: examples})
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		rec = toolRecord{Kind: "tool", Task: t.Name, Tool: tl, ProposeTries: att.ProposeTries, VerifyTries: att.VerifyTries, Maker: makerModel, Examples: examplesHash, usage: m.usage(), WallMS: time.Since(start).Milliseconds()}
		if err != nil {
			rec.Tool, rec.Error = nil, err.Error()
		}
		// The maker gives up at once when a call fails, so a failed last
		// call means the endpoint ended the making, not the model.
		unfinished = err != nil && m.lastFailed()
		if !unfinished {
			if err := cp.append(rec); err != nil {
				return nil, false, err
			}
		}
	}
	if !unfinished {
		made[t.Name] = rec
	}
	row.add(rec.usage)
	row.MakeCost, row.MakeCalls = rec.Cost, rec.Calls
	row.MakeTokensIn, row.MakeTokensOut = rec.TokensIn, rec.TokensOut
	row.ProposeTries, row.VerifyTries = rec.ProposeTries, rec.VerifyTries
	row.WallMS += rec.WallMS
	row.MakeOK, row.MakeError = rec.Tool != nil, rec.Error
	if rec.Tool != nil {
		row.Tool = rec.Tool.Name
	}
	return rec.Tool, unfinished, nil
}

func askDirect(ctx context.Context, c Chatter, p *prompts.Set, q string) (string, error) {
	text, err := p.Render("direct", struct{ Question string }{q})
	if err != nil {
		return "", err
	}
	resp, err := c.Chat(ctx, llm.Request{Role: llm.Solver, Messages: []llm.Message{{Role: "user", Content: text}}, Template: "direct"})
	if err != nil {
		return "", err
	}
	return answer.FromReply(resp.Content), nil
}

func askCoT(ctx context.Context, c Chatter, p *prompts.Set, role llm.Role, fewShot, q string) (string, error) {
	text, err := p.Render("cot", struct{ FewShot, Question string }{fewShot, q})
	if err != nil {
		return "", err
	}
	resp, err := c.Chat(ctx, llm.Request{Role: role, Messages: []llm.Message{{Role: "user", Content: text}}, Template: "cot"})
	if err != nil {
		return "", err
	}
	return answer.FromReply(resp.Content), nil
}

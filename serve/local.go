package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Local is the Engine over the packages as they are wired in one process:
// the store, the sandbox, the user solver, the dispatcher and the maker.
type Local struct {
	Store      *library.Store
	Runtime    *starlarkrt.Runtime
	Solver     *user.Solver
	Dispatcher *dispatch.Dispatcher // for questions that name no tool
	Maker      *maker.Maker

	mu      sync.Mutex
	changed chan struct{}
	gen     int64                   // bumped on every change; invalidates cache
	cache   map[string]cachedLookup // ref → tool, for direct calls and solves
	// tenants are the dispatchers of tenants' questions, scoped as
	// SolveRequest.Tenant says, by tenant and share.
	tenants map[tenantScope]*dispatch.Dispatcher
}

type tenantScope struct {
	tenant string
	share  bool
}

type cachedLookup struct {
	tool *tool.Tool
	gen  int64
}

var _ Engine = (*Local)(nil)

// templateMark opens the code of a run the template path answered (see
// user.Solver.Template).
const templateMark = "# template of usage example"

// routedBatch groups the one-off questions that were routed, so that their
// routes and pending instances have a batch as a stream's have.
const routedBatch = "api"

// Solve implements Solver.
func (l *Local) Solve(ctx context.Context, req SolveRequest) (*SolveResult, error) {
	start := time.Now()
	mctx, meter := llm.WithMeter(ctx)
	var res *SolveResult
	if req.Tool != "" {
		tool, err := l.lookup(ctx, req.Tool)
		if err != nil {
			return nil, err
		}
		run, err := l.Solver.Solve(mctx, tool, user.Instance{ID: req.ID, Batch: req.Batch, Question: req.Question})
		if err != nil {
			return nil, err
		}
		res = fromRun(run)
		res.Status = dispatch.StatusSolved
		if !run.OK {
			res.Status = dispatch.StatusError
		}
	} else {
		var err error
		if res, err = l.route(mctx, req); err != nil {
			return nil, err
		}
	}
	if res.Path == PathNoModel && len(res.Guards) == 0 { // a run recorded before runs kept their guards
		res.Guards = append(res.Guards, Guard{Name: "template", Decision: "allowed",
			Reason: "a usage example's call is a template of the question, and the filled call ran in the sandbox without error"})
	}
	t := meter.Totals()
	res.ModelCalls, res.TokensIn, res.TokensOut, res.Cost = t.Calls, t.TokensIn, t.TokensOut, t.Cost
	res.LatencyMS = ms(time.Since(start))
	if res.Guards == nil {
		res.Guards = []Guard{}
	}
	return res, nil
}

// dispatcherFor is the dispatcher of tenant's questions: the engine's
// own for the operator, else one like it whose router reaches only the
// operator's tools and the tenant's (every tenant's with share) and whose
// pool, groups and made tools are the tenant's.
func (l *Local) dispatcherFor(tenant string, share bool) *dispatch.Dispatcher {
	if tenant == "" && !share {
		return l.Dispatcher
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := tenantScope{tenant, share}
	if d := l.tenants[k]; d != nil {
		return d
	}
	b, r := l.Dispatcher, l.Dispatcher.Router
	d := &dispatch.Dispatcher{
		Store: b.Store, Solver: b.Solver, Maker: b.Maker, LLM: b.LLM, Prompts: b.Prompts,
		Unknown: b.Unknown, ModelLabels: b.ModelLabels, MinExamples: b.MinExamples, GroupThreshold: b.GroupThreshold,
		LabelsAnswered: b.LabelsAnswered, Made: b.Made, Tenant: tenant,
	}
	if r != nil {
		d.Router = &dispatch.Router{Store: r.Store, LLM: r.LLM, Prompts: r.Prompts, Thresholds: r.Thresholds,
			Candidates: r.Candidates, IndexTTL: r.IndexTTL, Tenant: tenant, Share: share}
	}
	if l.tenants == nil {
		l.tenants = map[tenantScope]*dispatch.Dispatcher{}
	}
	l.tenants[k] = d
	return d
}

// route answers a question that names no tool through the dispatcher.
func (l *Local) route(ctx context.Context, req SolveRequest) (*SolveResult, error) {
	if l.Dispatcher == nil {
		return nil, errors.New("solve: routing is not configured; name a tool")
	}
	if req.Batch == "" {
		req.Batch = routedBatch
	}
	if req.ID == "" {
		req.ID = freshID()
	}
	rs, err := l.dispatcherFor(req.Tenant, req.Share).Handle(ctx, dispatch.Instance{Batch: req.Batch, ID: req.ID, Question: req.Question})
	if err != nil {
		return nil, err
	}
	var r *dispatch.Result
	for i := range rs {
		if rs[i].ID == req.ID && (rs[i].Batch == req.Batch || rs[i].Batch == "") {
			r = &rs[i]
		}
	}
	if len(rs) > 1 {
		l.notify() // a group's tool was made
	}
	if r == nil {
		return nil, fmt.Errorf("solve %s: the dispatcher returned no result for it", req.ID)
	}
	res := &SolveResult{Batch: req.Batch, ID: req.ID, Status: r.Status, Answer: r.Answer, Tool: r.Tool,
		Stage: r.Stage, Group: r.Group, Error: r.Error, OK: r.Status == dispatch.StatusSolved, Path: PathNone}
	var solved []Guard // the tool user's guards, after the route's
	if run, err := l.Store.Run(ctx, req.Batch, req.ID); err == nil {
		res.RunID, res.Code = run.ID, run.Code
		if r.Tool != "" {
			res.Path = pathOf(run)
			solved = runGuards(run)
		}
	}
	if r.Status == dispatch.StatusPending && r.Answer != "" {
		res.Path = PathStrongModel
	}
	if route, err := l.Store.LastRoute(ctx, req.Batch, req.ID); err == nil {
		g := Guard{Name: "stage1-route", Decision: "allowed",
			Reason: fmt.Sprintf("retrieval score %.2f cleared the accept threshold and the margin over the next tool", route.Score)}
		switch {
		case route.Stage != 1:
			g.Decision, g.Reason = "refused", fmt.Sprintf("retrieval score %.2f was not confident; the dispatcher model decided", route.Score)
		case route.Tool == "":
			g.Name, g.Reason = "stage1-reject", fmt.Sprintf("retrieval score %.2f is below the reject threshold: an unknown task, without asking the dispatcher model", route.Score)
		}
		res.Guards = append(res.Guards, g)
	}
	res.Guards = append(res.Guards, solved...)
	return res, nil
}

func fromRun(run *tool.Run) *SolveResult {
	return &SolveResult{RunID: run.ID, Batch: run.Batch, ID: run.InputID, OK: run.OK, Answer: run.Answer,
		Tool: tool.Ref(run.ToolName, run.ToolVersion), Path: pathOf(run), Code: run.Code, Error: run.Error,
		Guards: runGuards(run)}
}

// runGuards reads the guard decisions the run recorded (user/solve.go),
// one a line: "KIND refused: why" is a refusal; any other line names a
// path that was taken, or could not be, and why.
func runGuards(run *tool.Run) []Guard {
	var out []Guard
	for _, line := range strings.Split(run.Guards, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if kind, _, ok := strings.Cut(line, " refused:"); ok {
			out = append(out, Guard{Name: kind, Decision: "refused", Reason: line})
			continue
		}
		name, _, _ := strings.Cut(line, ":")
		if f := strings.Fields(name); len(f) > 0 {
			name = f[0]
		}
		out = append(out, Guard{Name: name, Decision: "allowed", Reason: line})
	}
	return out
}

func pathOf(run *tool.Run) string {
	switch {
	case !run.OK:
		return PathNone
	case run.Path == tool.PathParser || run.Path == tool.PathTemplate:
		return PathNoModel
	case run.Path == "" && strings.HasPrefix(run.Code, templateMark):
		return PathNoModel // recorded before runs kept their path
	}
	return PathUserModel
}

// freshID names a one-off routed question.
func freshID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// lookup loads NAME or NAME@N. Loaded tools are kept until the library
// changes (through Local at once, through another process within Watch's
// interval): reading a tool is most of the cost of a direct call.
func (l *Local) lookup(ctx context.Context, ref string) (*tool.Tool, error) {
	l.mu.Lock()
	c, ok := l.cache[ref]
	gen := l.gen
	l.mu.Unlock()
	if ok && c.gen == gen {
		return c.tool, nil
	}
	name, version, err := tool.ParseRef(ref)
	if err != nil {
		return nil, &InputError{Field: "tool", Err: err}
	}
	t, err := l.Store.Tool(ctx, name, version)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache == nil || len(l.cache) > 10_000 {
		l.cache = map[string]cachedLookup{}
	}
	l.cache[ref] = cachedLookup{tool: t, gen: gen}
	return t, nil
}

// Call implements Solver.
func (l *Local) Call(ctx context.Context, req CallRequest) (*CallResult, error) {
	tool, err := l.lookup(ctx, req.Tool)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	src := starlarkrt.Source{Name: tool.Ref() + ".star", Code: tool.Source}
	out := &CallResult{Tool: tool.Ref()}
	res, err := l.Runtime.Call(ctx, src, tool.Entry, req.Args, req.Kwargs)
	out.LatencyMS = ms(time.Since(start))
	var pe *starlarkrt.ProgramError
	var le *starlarkrt.LimitError
	switch {
	case errors.As(err, &le):
		out.Error, out.LimitHit = le.Error(), le.Limit
		return out, nil
	case errors.As(err, &pe):
		out.Error = pe.Error()
		return out, nil
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Arguments the sandbox cannot take are the caller's to fix.
		if strings.HasPrefix(err.Error(), "argument") {
			return nil, &InputError{Field: "args", Err: err}
		}
		return nil, fmt.Errorf("call %s: %w", tool.Ref(), err)
	}
	out.OK, out.Value, out.Output, out.Steps = true, res.Value, res.Output, res.Stats.Steps
	return out, nil
}

// Make implements Solver.
func (l *Local) Make(ctx context.Context, req MakeRequest) (*tool.Tool, error) {
	if l.Maker == nil {
		return nil, errors.New("make: the maker is not configured")
	}
	m := *l.Maker
	if req.Train > 0 {
		m.Train = req.Train
	}
	if req.Valid > 0 {
		m.Valid = req.Valid
	}
	if len(req.Examples) < m.Train+m.Valid {
		return nil, &InputError{Field: "examples", Err: fmt.Errorf("%d examples given, %d needed (%d for training, %d for validation); add examples or lower train/valid",
			len(req.Examples), m.Train+m.Valid, m.Train, m.Valid)}
	}
	tool, _, err := m.Make(ctx, maker.Task{Name: req.Name, Description: req.Description, Examples: req.Examples})
	if err != nil {
		return nil, fmt.Errorf("make %s: %w; nothing saved", req.Name, err)
	}
	if err := l.Store.SaveTool(ctx, tool); err != nil {
		return nil, fmt.Errorf("make %s: %w", req.Name, err)
	}
	l.notify()
	return tool, nil
}

// Tools implements Library.
func (l *Local) Tools(ctx context.Context, all bool) ([]*tool.Tool, error) {
	return l.Store.Tools(ctx, all)
}

// Tool implements Library.
func (l *Local) Tool(ctx context.Context, name string, version int) (*tool.Tool, error) {
	return l.Store.Tool(ctx, name, version)
}

// ToolVersions implements Library: every version of name, oldest first.
func (l *Local) ToolVersions(ctx context.Context, name string) ([]*tool.Tool, error) {
	all, err := l.Store.Tools(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []*tool.Tool
	for _, t := range all {
		if t.Name == name {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tool %s: %w", name, library.ErrNotFound)
	}
	return out, nil
}

// Stats implements Library.
func (l *Local) Stats(ctx context.Context, name string) (library.ToolStats, error) {
	return l.Store.StatsOf(ctx, name)
}

// Shadow implements Library.
func (l *Local) Shadow(ctx context.Context, t *tool.Tool) (ToolShadow, error) {
	st, err := l.Solver.ShadowState(ctx, t)
	return ToolShadow{N: l.Solver.Shadow, ShadowState: st}, err
}

// SetActive implements Library.
func (l *Local) SetActive(ctx context.Context, name string, version int, active bool) error {
	var err error
	if active {
		err = l.Store.ReactivateTool(ctx, name, version)
	} else {
		err = l.Store.RetireTool(ctx, name, version)
	}
	if err == nil {
		l.notify()
	}
	return err
}

// Search implements Library.
func (l *Local) Search(ctx context.Context, query string, limit int) ([]tool.SearchHit, error) {
	return l.Store.SearchTools(ctx, query, limit)
}

// Import implements Library.
func (l *Local) Import(ctx context.Context, pkg []byte) (*tool.Tool, error) {
	t, err := tool.DecodePackage(pkg)
	if err != nil {
		return nil, &InputError{Field: "package", Err: err}
	}
	if len(t.Examples) == 0 {
		return nil, &InputError{Field: "package", Err: errors.New("the package has no usage examples to check the tool with; add at least one")}
	}
	if fails := CheckExamples(ctx, l.Runtime, t); len(fails) > 0 {
		return nil, &InputError{Field: "package", Err: fmt.Errorf("refused, %d of %d usage examples fail: %s",
			len(fails), len(t.Examples), strings.Join(fails, "; "))}
	}
	if err := l.Store.SaveTool(ctx, t); err != nil {
		return nil, err
	}
	l.notify()
	return t, nil
}

// CheckExamples re-runs a tool's usage examples in the sandbox and
// describes each that fails.
func CheckExamples(ctx context.Context, rt *starlarkrt.Runtime, t *tool.Tool) []string {
	src := starlarkrt.Source{Name: t.Name + ".star", Code: t.Source}
	var fails []string
	for i, ex := range t.Examples {
		res, err := rt.Exec(ctx, src, starlarkrt.Source{Name: fmt.Sprintf("usage-example-%d.star", i+1), Code: ex.Code})
		var got string
		if err == nil {
			got, err = user.FinalAnswer(ex.Question, res)
		}
		switch {
		case err != nil:
			fails = append(fails, fmt.Sprintf("usage example %d: %v", i+1, err))
		case strings.TrimSpace(got) != strings.TrimSpace(ex.Answer):
			fails = append(fails, fmt.Sprintf("usage example %d: want %q, got %q", i+1, ex.Answer, got))
		}
	}
	return fails
}

// Changed implements Library. Changes made through Local are signalled
// at once; Watch also signals changes other processes make to the store.
func (l *Local) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

func (l *Local) notify() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	// Every scope routes with the change at once (a tool one tenant's
	// group made reaches the others' where tools are shared).
	for _, d := range l.tenants {
		if d.Router != nil {
			d.Router.Invalidate()
		}
	}
	if l.Dispatcher != nil && l.Dispatcher.Router != nil {
		l.Dispatcher.Router.Invalidate()
	}
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// Watch signals Changed whenever the set of tool versions and their
// statuses in the store differs from the last look, every interval, until
// ctx ends: tools made by latm make or stream in another process.
func (l *Local) Watch(ctx context.Context, every time.Duration) {
	last, seen := "", false
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		tools, err := l.Store.Tools(ctx, true)
		if err == nil {
			var b strings.Builder
			for _, tool := range tools {
				b.WriteString(tool.Ref() + ":" + tool.Status + " ")
			}
			if fp := b.String(); !seen || fp != last {
				if seen {
					l.notify()
				}
				last, seen = fp, true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Runs implements Records.
func (l *Local) Runs(ctx context.Context, f library.RunFilter) ([]*tool.Run, error) {
	return l.Store.RecentRuns(ctx, f)
}

// BatchRuns implements Records.
func (l *Local) BatchRuns(ctx context.Context, batch string) (map[string]*tool.Run, error) {
	return l.Store.Runs(ctx, batch)
}

// Pending implements Records.
func (l *Local) Pending(ctx context.Context) ([]*tool.Pending, error) {
	return l.Store.PendingInstances(ctx, -1)
}

// Label implements Records: a person's answer.
func (l *Local) Label(ctx context.Context, instanceID, answer string) error {
	return l.Store.LabelPending(ctx, instanceID, answer, "human")
}

// Cost implements Records.
func (l *Local) Cost(ctx context.Context, by string) ([]library.CostRow, error) {
	return l.Store.CostReport(ctx, by)
}

// Ready implements Records.
func (l *Local) Ready(ctx context.Context) error {
	_, err := l.Store.SchemaVersion(ctx)
	return err
}

package dispatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/internal/procowner"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/maker"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Result statuses.
const (
	StatusSolved  = "solved"  // answered with a tool
	StatusPending = "pending" // unknown task, waiting for a tool (may carry the solver's answer)
	StatusError   = "error"   // the tool run or the machinery failed
)

// Unknown-task policies.
const (
	UnknownSolver = "solver" // answer meanwhile with the strong model
	UnknownNone   = "none"   // leave unanswered for a person
)

// Instance is one instance of a stream.
type Instance struct {
	Batch    string
	ID       string
	Question string
	Answer   string // a known label, if any
	// LabelSource says where Answer came from ("" means "input"); the
	// gateway labels with "upstream", the strong model's own reply.
	LabelSource string
}

// Result is what became of one instance.
type Result struct {
	Batch  string  `json:"batch,omitempty"`
	ID     string  `json:"id"`
	Status string  `json:"status"`
	Answer string  `json:"answer,omitempty"`
	Tool   string  `json:"tool,omitempty"` // name@version
	Stage  int     `json:"stage,omitempty"`
	Group  int64   `json:"group,omitempty"` // pending group
	Calls  int     `json:"calls"`           // model calls made for it: routing, the solver, the tool user (with retries)
	Cost   float64 `json:"cost,omitempty"`  // their cost, from the configured prices
	Error  string  `json:"error,omitempty"`
}

// Dispatcher routes instances, solves the known ones with their tool, pools
// the unknown ones and makes a tool for a group once it has MinExamples
// labelled instances.
type Dispatcher struct {
	Store   Store
	Router  *Router
	Solver  *user.Solver
	Maker   *maker.Maker
	LLM     *llm.Client // the solver role, for unknown instances
	Prompts *prompts.Set

	Unknown        string  // UnknownSolver or UnknownNone
	ModelLabels    bool    // count the solver's answers as labels
	MinExamples    int     // labelled instances a group needs; 0 means 6
	GroupThreshold float64 // 0 means DefaultGroupThreshold

	// Tenant scopes the pending pool: the dispatcher groups, makes and
	// revisits only the instances of its tenant, and the tools it makes
	// belong to it (tool.Tool.Tenant). "" is the operator's. Its Router
	// should be scoped to the same tenant (Router.Tenant).
	Tenant string
	// LabelsAnswered says the pool's instances were answered when they
	// arrived (the gateway's clients got upstream's reply): once their
	// group's tool is made they are marked solved, not solved again.
	LabelsAnswered bool
	// Made, when set, is told of every tool the dispatcher made and saved,
	// with the group it was made from (0 for Remake).
	Made func(ctx context.Context, t *tool.Tool, group int64)

	// mu serializes changes to the pool and tool making, so that two
	// workers never put one task in two new groups or make one tool twice.
	mu     sync.Mutex
	failed map[int64]int // group → labelled count when making last failed
	// unmade says, for each group ready to be made whose tool was not made
	// in the last try, why (StreamSummary.Unmade).
	unmade map[int64]string

	ownerOnce sync.Once
	ownerName string
	// made counts the tools this dispatcher has made; an unknown decision
	// taken before the latest one is taken again (the new tool may fit).
	made atomic.Int64
}

// owner names this dispatcher in the store's leases.
func (d *Dispatcher) owner() string {
	d.ownerOnce.Do(func() { d.ownerName = procowner.New() })
	return d.ownerName
}

// noteUnmade records why group g's tool was not made; an empty why clears
// it. Callers hold d.mu.
func (d *Dispatcher) noteUnmade(g int64, why string) {
	if why == "" {
		delete(d.unmade, g)
		return
	}
	if d.unmade == nil {
		d.unmade = map[int64]string{}
	}
	d.unmade[g] = why
}

// Unmade lists, one line each ("group 3: …"), the groups ready to be made
// whose tool was not made in their last try, and why; only groups that
// still have pending instances in the store (another process may have made
// the tool since).
func (d *Dispatcher) Unmade(ctx context.Context) ([]string, error) {
	open, err := d.Store.PendingInstances(ctx, -1)
	if err != nil {
		return nil, err
	}
	still := map[int64]bool{}
	for _, p := range open {
		still[p.Group] = true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	gs := make([]int64, 0, len(d.unmade))
	for g := range d.unmade {
		if still[g] {
			gs = append(gs, g)
		}
	}
	slices.Sort(gs)
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, fmt.Sprintf("group %d: %s", g, d.unmade[g]))
	}
	return out, nil
}

// generation is the number of tools made so far.
func (d *Dispatcher) generation() int64 { return d.made.Load() }

// toolAdded notes that a tool was made; callers hold d.mu.
func (d *Dispatcher) toolAdded() {
	d.made.Add(1)
	d.Router.Invalidate() // stage 1 must see the new tool at once
}

// Handle routes one instance and acts on the decision. It returns the
// instance's result and, when the instance completed a group, the results
// of the group's instances solved with the new tool. An error is returned
// only for machinery failures; a failed tool run is a result.
func (d *Dispatcher) Handle(ctx context.Context, in Instance) ([]Result, error) {
	gen := d.generation()
	dec, err := d.Router.Route(ctx, in.Batch, in.ID, in.Question)
	if err != nil {
		return nil, err
	}
	if dec.Tool != nil {
		r, err := d.solve(ctx, dec.Tool, in.Batch, in.ID, in.Question)
		if err != nil {
			return nil, err
		}
		r.Stage, r.Calls, r.Cost = dec.Stage, r.Calls+dec.Calls, r.Cost+dec.Cost
		return []Result{r}, nil
	}
	return d.pool(ctx, in, dec, gen, false)
}

// Resume finishes an instance that is already in the pending pool but was
// left half done (the process stopped between its steps): it groups it if
// it has no group yet and, under UnknownSolver, answers it with the solver
// unless answered says that was done. Its route is recorded already, so it
// is not routed again.
func (d *Dispatcher) Resume(ctx context.Context, in Instance, answered bool) ([]Result, error) {
	return d.pool(ctx, in, Decision{}, d.generation(), answered)
}

// solve answers an instance with a tool and records the run.
func (d *Dispatcher) solve(ctx context.Context, tool *tool.Tool, batch, id, question string) (Result, error) {
	mctx, meter := llm.WithMeter(ctx)
	run, err := d.Solver.Solve(mctx, tool, user.Instance{ID: id, Batch: batch, Question: question})
	if err != nil {
		return Result{}, err
	}
	used := meter.Totals()
	r := Result{Batch: batch, ID: id, Status: StatusSolved, Answer: run.Answer, Tool: tool.Ref(), Calls: used.Calls, Cost: used.Cost}
	if !run.OK {
		r.Status, r.Error = StatusError, run.Error
	}
	return r, nil
}

// pool puts an unknown instance into the pending pool, answers it with
// the solver if so configured, and makes its group's tool when ready. gen
// is the generation the decision was taken in: if a tool was made since,
// the instance is routed again, since the new tool may be its task's.
func (d *Dispatcher) pool(ctx context.Context, in Instance, dec Decision, gen int64, answered bool) ([]Result, error) {
	r := Result{Batch: in.Batch, ID: in.ID, Status: StatusPending, Stage: dec.Stage, Calls: dec.Calls, Cost: dec.Cost}
	d.mu.Lock()
	if d.generation() != gen {
		d.mu.Unlock()
		rs, err := d.Handle(ctx, in)
		if err == nil && len(rs) > 0 {
			rs[0].Calls, rs[0].Cost = rs[0].Calls+dec.Calls, rs[0].Cost+dec.Cost
		}
		return rs, err
	}
	p, err := d.addPending(ctx, in)
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r.Group = p.Group

	if d.Unknown == UnknownSolver && !answered {
		ans, resp, err := d.direct(ctx, in.Question)
		if resp != nil {
			r.Calls++
			r.Cost += resp.Cost
		}
		if err != nil {
			return nil, err
		}
		r.Answer = ans
		// Kept as a run without a tool, so that a restart repeats nothing;
		// the tool's run replaces it once the group is solved.
		run := &tool.Run{Batch: in.Batch, InputID: in.ID, Question: in.Question, Answer: ans, OK: ans != ""}
		if !run.OK {
			run.Error = "the solver model's reply holds no answer"
		}
		if err := d.Store.RecordRun(ctx, run); err != nil {
			return nil, err
		}
		if d.ModelLabels && p.Label == "" && ans != "" {
			if err := d.Store.LabelPending(ctx, p.InstanceID, ans, "model"); err != nil {
				return nil, err
			}
		}
	}
	made, err := d.MakeReady(ctx, p.Group)
	if err != nil {
		return nil, err
	}
	for _, m := range made {
		if m.Batch == in.Batch && m.ID == in.ID {
			m.Stage, m.Calls, m.Cost = r.Stage, r.Calls+m.Calls, r.Cost+m.Cost
			r = m
		}
	}
	out := []Result{r}
	for _, m := range made {
		if !(m.Batch == in.Batch && m.ID == in.ID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// addPending puts in into the pool and its group; callers hold d.mu.
func (d *Dispatcher) addPending(ctx context.Context, in Instance) (*tool.Pending, error) {
	p := &tool.Pending{InstanceID: pendingKey(in.Batch, in.ID), Question: in.Question, Label: in.Answer, Tenant: d.Tenant}
	if in.Answer != "" {
		p.LabelSource = in.LabelSource
		if p.LabelSource == "" {
			p.LabelSource = "input"
		}
	}
	release, err := d.lease(ctx, poolLease, poolLeaseTTL)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := d.Store.AddPending(ctx, p); err != nil {
		return nil, err
	}
	if p.Group == 0 {
		own, top, err := d.openPending(ctx)
		if err != nil {
			return nil, err
		}
		p.Group = groupIn(own, top, in.Question, d.groupThreshold())
		if err := d.Store.SetPendingGroup(ctx, p.ID, p.Group); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Add puts an instance the caller routed as unknown (and answered, if it
// carries a label) into the pending pool, and returns its group. It
// neither answers it nor makes a tool: MakeReady does that, when the
// caller chooses (the gateway, in the background). If stage 1 now routes
// the instance to a tool with confidence (one made since the caller
// routed it, perhaps while Add waited for a making to finish), it is not
// pooled: Add returns that tool and group 0, so that a task with a tool
// does not start a new group.
func (d *Dispatcher) Add(ctx context.Context, in Instance) (int64, *tool.Tool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fit, _, err := d.Router.Confident(ctx, in.Question)
	if err != nil || fit != nil {
		return 0, fit, err
	}
	p, err := d.addPending(ctx, in)
	if err != nil {
		return 0, nil, err
	}
	return p.Group, nil, nil
}

func (d *Dispatcher) groupThreshold() float64 {
	if d.GroupThreshold > 0 {
		return d.GroupThreshold
	}
	return DefaultGroupThreshold
}

func (d *Dispatcher) minExamples() int {
	if d.MinExamples > 0 {
		return d.MinExamples
	}
	return 6
}

// MakeReady makes a tool for every group with enough labelled instances
// (group < 0: every group; else only that one), saves it, solves the
// group's pending instances with it and marks them solved. It returns their
// results. A group whose making failed is tried again only once it has
// more labelled instances than at the failure.
func (d *Dispatcher) MakeReady(ctx context.Context, group int64) ([]Result, error) {
	if d.Maker == nil {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	open, _, err := d.openPending(ctx)
	if err != nil {
		return nil, err
	}
	byGroup := map[int64][]*tool.Pending{}
	var order []int64
	for _, p := range open {
		if p.Group <= 0 || group >= 0 && p.Group != group {
			continue
		}
		if byGroup[p.Group] == nil {
			order = append(order, p.Group)
		}
		byGroup[p.Group] = append(byGroup[p.Group], p)
	}
	var out []Result
	for _, g := range order {
		rs, err := d.makeLeased(ctx, g, byGroup[g])
		if err != nil {
			return out, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// makeLeased makes group g's tool unless another process is making it (it
// holds the group's lease), in which case the group is left to it. The
// members are read again under the lease: another process may have solved
// them meanwhile.
func (d *Dispatcher) makeLeased(ctx context.Context, g int64, members []*tool.Pending) ([]Result, error) {
	if n := labelled(members); n < d.minExamples() || d.failed[g] >= n {
		return nil, nil
	}
	ok, err := d.Store.Acquire(ctx, makeLease(g), d.owner(), makeLeaseTTL)
	if err != nil {
		return nil, err
	}
	if !ok {
		d.noteUnmade(g, "another latm process is making its tool (it holds the group's lease); rerun once it is done")
		return nil, nil
	}
	defer func() { _ = d.Store.Release(context.WithoutCancel(ctx), makeLease(g), d.owner()) }()
	defer d.heartbeat(ctx, makeLease(g), makeLeaseTTL)()
	if members, err = d.Store.PendingInstances(ctx, g); err != nil {
		return nil, err
	}
	return d.makeGroup(ctx, g, d.tenantPending(members))
}

// labelled counts the members that have a label.
func labelled(members []*tool.Pending) int {
	n := 0
	for _, p := range members {
		if p.Label != "" {
			n++
		}
	}
	return n
}

func (d *Dispatcher) makeGroup(ctx context.Context, g int64, members []*tool.Pending) ([]Result, error) {
	var examples []tool.Example
	var questions []string
	for _, p := range members {
		questions = append(questions, p.Question)
		if p.Label != "" {
			examples = append(examples, tool.Example{Question: p.Question, Answer: p.Label})
		}
	}
	if len(examples) < d.minExamples() || d.failed[g] >= len(examples) {
		return nil, nil
	}
	tools, err := d.Store.Tools(ctx, true)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, t := range tools {
		taken[t.Name] = true
	}
	name := taskName(questions, taken)
	tool, _, err := d.Maker.Make(ctx, maker.Task{Name: name, Description: fmt.Sprintf("made from %d labelled instances of pending group %d", len(examples), g), Examples: examples})
	if err != nil {
		var se *maker.StepError
		if !errors.As(err, &se) && ctx.Err() != nil {
			return nil, err
		}
		if d.failed == nil {
			d.failed = map[int64]int{}
		}
		d.failed[g] = len(examples)
		d.noteUnmade(g, fmt.Sprintf("making its tool from %d labelled instances failed: %v (label more of its instances, then rerun)", len(examples), err))
		return nil, nil
	}
	d.noteUnmade(g, "")
	tool.Tenant = d.Tenant
	if err := d.Store.SaveTool(ctx, tool); err != nil {
		return nil, fmt.Errorf("save tool for group %d: %w", g, err)
	}
	d.toolAdded()
	if d.Made != nil {
		d.Made(ctx, tool, g)
	}
	var out []Result
	for _, p := range members {
		if d.LabelsAnswered {
			if err := d.Store.MarkPendingSolved(ctx, p.ID); err != nil {
				return out, err
			}
			continue
		}
		batch, id := splitPendingKey(p.InstanceID)
		r, err := d.solve(ctx, tool, batch, id, p.Question)
		if err != nil {
			return out, err
		}
		if err := d.Store.MarkPendingSolved(ctx, p.ID); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	// Instances other workers or processes added to the group while the
	// tool was being made: solved too, if stage 1 routes them to it (the
	// group's number may have been given to another task meanwhile).
	for {
		late, err := d.Store.PendingInstances(ctx, g)
		if err != nil {
			return out, err
		}
		progress := false
		for _, p := range d.tenantPending(late) {
			fit, score, err := d.Router.Confident(ctx, p.Question)
			if err != nil {
				return out, err
			}
			if fit == nil || fit.Name != tool.Name {
				continue
			}
			if d.LabelsAnswered {
				if err := d.Store.MarkPendingSolved(ctx, p.ID); err != nil {
					return out, err
				}
				continue // nothing more to find: the loop ends on no progress
			}
			r, err := d.revisit(ctx, p, fit, score)
			if err != nil {
				return out, err
			}
			out = append(out, r)
			progress = true
		}
		if !progress {
			return out, nil
		}
	}
}

// Revisit solves the pending instances that a tool now exists for: a tool
// made from their group by a run that stopped before it had solved them
// all, or one made elsewhere, imported or saved since. Only a confident
// stage-1 match counts, so deciding costs no model call. It returns their
// results.
func (d *Dispatcher) Revisit(ctx context.Context) ([]Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Revisit exists for tools saved elsewhere: read the library afresh.
	d.Router.Invalidate()
	open, _, err := d.openPending(ctx)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, p := range open {
		if p.Group <= 0 {
			continue // not pooled completely yet: the stream finishes it
		}
		tool, score, err := d.Router.Confident(ctx, p.Question)
		if err != nil {
			return out, err
		}
		if tool == nil {
			continue
		}
		// A group another process is making a tool for is left to it.
		ok, err := d.Store.Acquire(ctx, makeLease(p.Group), d.owner(), makeLeaseTTL)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		r, err := d.revisit(ctx, p, tool, score)
		_ = d.Store.Release(context.WithoutCancel(ctx), makeLease(p.Group), d.owner())
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// revisit solves pending instance p with tool and marks it solved.
func (d *Dispatcher) revisit(ctx context.Context, p *tool.Pending, tl *tool.Tool, score float64) (Result, error) {
	batch, id := splitPendingKey(p.InstanceID)
	if err := d.Store.RecordRoute(ctx, &tool.Route{Batch: batch, InputID: id, Question: p.Question, Tool: tl.Ref(), Stage: 1, Score: score}); err != nil {
		return Result{}, err
	}
	r, err := d.solve(ctx, tl, batch, id, p.Question)
	if err != nil {
		return Result{}, err
	}
	r.Stage = 1
	return r, d.Store.MarkPendingSolved(ctx, p.ID)
}

// direct answers a question with the solver role, no tool.
func (d *Dispatcher) direct(ctx context.Context, question string) (string, *llm.Response, error) {
	if d.LLM == nil || d.Prompts == nil {
		return "", nil, errors.New("answer unknown instance: no solver model configured (set dispatch.unknown to none to leave them for a person)")
	}
	prompt, err := d.Prompts.Render("direct", struct{ Question string }{question})
	if err != nil {
		return "", nil, err
	}
	start := time.Now()
	resp, err := d.LLM.Chat(ctx, llm.Request{Role: llm.Solver, Messages: []llm.Message{{Role: "user", Content: prompt}}, Template: "direct"})
	if err != nil {
		return "", resp, fmt.Errorf("solver (after %s): %w", time.Since(start).Round(time.Millisecond), err)
	}
	return answer.FromReply(resp.Content), resp, nil
}

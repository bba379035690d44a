package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/tool"
)

// Template is the name of the dispatcher prompt in prompts/templates.
const Template = "dispatch"

// Thresholds steer stage 1. A best score at or above Accept that beats the
// runner-up by at least Margin routes without a model; a best score below
// Reject is unknown without a model; anything else asks the dispatcher
// model. Scores are in [0, 1].
type Thresholds struct {
	Accept float64
	Margin float64
	Reject float64
}

// DefaultThresholds were calibrated on BIG-Bench Hard examples 0–9 of every
// bundled task (docs/bench-dispatch.md, "Calibration").
var DefaultThresholds = Thresholds{Accept: 0.45, Margin: 0.15, Reject: 0.2}

// Decision is where one instance goes.
type Decision struct {
	Tool  *tool.Tool // nil: unknown task
	Stage int        // 1: no model; 2: dispatcher model
	Score float64    // the best stage-1 score
	Calls int        // model calls made (0 or 1)
	Cost  float64    // their cost
	// Guard says why stage 1 did not route to its best candidate although
	// the score would have: the instance does not fit that tool's template
	// (guard.go). Empty when the guard did not intervene.
	Guard string
}

// Router decides, for one instance, an existing tool or unknown.
type Router struct {
	Store      RouteStore
	LLM        *llm.Client // may be nil: stage 2 then answers unknown
	Prompts    *prompts.Set
	Thresholds Thresholds
	Candidates int // tools retrieved per instance; 0 means 10
	// IndexTTL is how long the in-memory stage-1 index is trusted before
	// it is rebuilt from the store (index.go); 0 means DefaultIndexTTL.
	IndexTTL time.Duration
	// Tenant and Share scope the tools routed to: only the operator's
	// (Tenant "") and the tenant's own, or every tenant's with Share.
	Tenant string
	Share  bool

	mu       sync.Mutex
	profiles map[string]*profiled // by tool ref
	index    *toolIndex
}

type profiled struct {
	tool    *tool.Tool
	profile *Profile
}

// candidate is a tool with its stage-1 score; misfit is filled for the
// best candidate only (why the instance does not fit its template, or "").
type candidate struct {
	tool   *tool.Tool
	score  float64
	misfit string
	prof   *Profile
}

// Route decides where question goes and records the decision under batch
// and id.
func (r *Router) Route(ctx context.Context, batch, id, question string) (Decision, error) {
	if d, ok := r.recorded(ctx, batch, id, question); ok {
		return d, nil
	}
	d, err := r.decide(ctx, question)
	if err != nil {
		return d, fmt.Errorf("route %s: %w", id, err)
	}
	rt := &tool.Route{Batch: batch, InputID: id, Question: question, Stage: d.Stage, Score: d.Score}
	if d.Tool != nil {
		rt.Tool = d.Tool.Ref()
	}
	if err := r.Store.RecordRoute(ctx, rt); err != nil {
		return d, err
	}
	return d, nil
}

// recorded returns the dispatcher model's earlier decision to route this
// instance to a tool, if one was recorded (a run that stopped before
// solving it), so that a restart does not ask the model again. Decisions of
// stage 1 cost nothing to take again, and "unknown" is taken again because
// a tool may have been made since.
func (r *Router) recorded(ctx context.Context, batch, id, question string) (Decision, bool) {
	if batch == "" || id == "" {
		return Decision{}, false
	}
	prev, err := r.Store.LastRoute(ctx, batch, id)
	if err != nil || prev.Stage != 2 || prev.Tool == "" || prev.Question != question {
		return Decision{}, false
	}
	name, version, err := tool.ParseRef(prev.Tool)
	if err != nil {
		return Decision{}, false
	}
	tl, err := r.Store.Tool(ctx, name, version)
	if err != nil || tl.Status != tool.StatusActive || !r.Visible(tl) {
		return Decision{}, false
	}
	return Decision{Tool: tl, Stage: 2, Score: prev.Score}, true
}

func (r *Router) decide(ctx context.Context, question string) (Decision, error) {
	cands, err := r.candidates(ctx, question)
	if err != nil {
		return Decision{}, err
	}
	if len(cands) == 0 {
		return Decision{Stage: 1}, nil
	}
	best, second := cands[0].score, 0.0
	if len(cands) > 1 {
		second = cands[1].score
	}
	th := r.Thresholds
	var guard string
	switch {
	case confident(best, second, th):
		if guard = cands[0].misfit; guard == "" {
			return Decision{Tool: cands[0].tool, Stage: 1, Score: best}, nil
		}
		guard = cands[0].tool.Ref() + ": " + guard // the dispatcher model decides
	case best < th.Reject:
		return Decision{Stage: 1, Score: best}, nil
	}
	d := Decision{Stage: 2, Score: best, Guard: guard}
	if r.LLM == nil {
		return d, nil
	}
	tool, resp, err := r.ask(ctx, question, cands)
	if resp != nil {
		d.Calls, d.Cost = 1, resp.Cost
	}
	if err != nil {
		return d, err
	}
	d.Tool = tool
	return d, nil
}

// confident reports whether stage 1 may route to the best candidate alone.
func confident(best, second float64, th Thresholds) bool {
	return best >= th.Accept && best-second >= th.Margin
}

// Visible reports whether the router may route to t: the operator's
// tools and the router's tenant's, or every tool when sharing.
func (r *Router) Visible(t *tool.Tool) bool {
	return r.Share || t.Tenant == "" || t.Tenant == r.Tenant
}

// Confident returns the tool stage 1 routes question to with no model
// call, or nil when stage 1 alone is not sure, and the best score.
func (r *Router) Confident(ctx context.Context, question string) (*tool.Tool, float64, error) {
	cands, err := r.candidates(ctx, question)
	if err != nil || len(cands) == 0 {
		return nil, 0, err
	}
	second := 0.0
	if len(cands) > 1 {
		second = cands[1].score
	}
	if !confident(cands[0].score, second, r.Thresholds) || cands[0].misfit != "" {
		return nil, cands[0].score, nil
	}
	return cands[0].tool, cands[0].score, nil
}

// candidates retrieves tools for question and scores them, best first.
func (r *Router) candidates(ctx context.Context, question string) ([]candidate, error) {
	limit := r.Candidates
	if limit <= 0 {
		limit = 10
	}
	ix, err := r.currentIndex(ctx)
	if err != nil {
		return nil, err
	}
	cands := ix.search(shingles(question), limit, r.Thresholds.Margin)
	sortCandidates(cands)
	if len(cands) > 0 {
		cands[0].misfit = cands[0].prof.Misfit(question)
	}
	return cands, nil
}

func sortCandidates(cands []candidate) {
	// Insertion sort: a handful of candidates; ties keep retrieval order.
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && cands[j].score > cands[j-1].score; j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
}

// profile loads a tool version and its profile, cached: a tool version
// never changes once saved.
func (r *Router) profile(ctx context.Context, name string, version int) (*profiled, error) {
	ref := tool.Ref(name, version)
	r.mu.Lock()
	p, ok := r.profiles[ref]
	r.mu.Unlock()
	if ok {
		return p, nil
	}
	t, err := r.Store.Tool(ctx, name, version)
	if err != nil {
		return nil, err
	}
	qs := make([]string, 0, len(t.Examples))
	for _, e := range t.Examples {
		qs = append(qs, e.Question)
	}
	p = &profiled{tool: t, profile: NewProfile(qs)}
	r.mu.Lock()
	if r.profiles == nil {
		r.profiles = map[string]*profiled{}
	}
	r.profiles[ref] = p
	r.mu.Unlock()
	return p, nil
}

// promptTool is one candidate as the dispatcher prompt shows it.
type promptTool struct {
	Name, Question string
}

// ask is stage 2: the dispatcher model picks one candidate or unknown.
func (r *Router) ask(ctx context.Context, question string, cands []candidate) (*tool.Tool, *llm.Response, error) {
	if r.Prompts == nil {
		return nil, nil, errors.New("dispatcher: no prompts loaded")
	}
	data := struct {
		Tools    []promptTool
		Question string
	}{Question: question}
	tools := make([]*tool.Tool, 0, len(cands))
	for _, c := range cands {
		q := ""
		if len(c.tool.Examples) > 0 {
			q = c.tool.Examples[0].Question
		}
		data.Tools = append(data.Tools, promptTool{Name: c.tool.Name, Question: q})
		tools = append(tools, c.tool)
	}
	prompt, err := r.Prompts.Render(Template, data)
	if err != nil {
		return nil, nil, err
	}
	resp, err := r.LLM.Chat(ctx, llm.Request{Role: llm.Dispatcher, Messages: []llm.Message{{Role: "user", Content: prompt}}, Template: Template})
	if err != nil {
		return nil, resp, fmt.Errorf("dispatcher: %w", err)
	}
	return pickTool(resp.Content, candidateIndex(tools)), resp, nil
}

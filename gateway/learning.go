package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/tool"
)

// learning is what the gateway keeps in memory of its traffic: the latest
// upstream replies of each group and tool (for reply shapes and token
// estimates), each version's phase, its shadow window and spot checks.
// Phases are also in the Store; the windows start afresh after a restart
// (a version in shadow is judged on its next ShadowN requests).
type learning struct {
	mu      sync.Mutex
	samples map[string][]sample
	tok     map[string]*tokenAvg
	phases  map[string]tool.Phase // by tool ref
	// read is when each phase was last read from or written to the Store;
	// a phase older than ttl is read again, so that a move by another
	// process sharing the library is followed within ttl.
	read    map[string]time.Time
	ttl     time.Duration
	windows map[string]*window // by tool ref, while in shadow
	spots   map[string][]bool  // by tool ref, while live: the latest spot checks
	// blocked holds, per tenant, the questions of tools that stage 1 cannot
	// route to: requests like them are not pooled again, or their group
	// would be made into one such tool after another.
	blocked map[string][]*dispatch.Profile
}

type tokenAvg struct{ n, in, out float64 }

// window is a shadow version's requests so far.
type window struct {
	compared int
	agreed   int
	examples []tool.Example // (question, upstream's answer), disagreements first when remade
	wrong    []wrongAnswer
}

type wrongAnswer struct {
	ex  tool.Example
	got string
}

func (l *learning) init() {
	l.samples = map[string][]sample{}
	l.tok = map[string]*tokenAvg{}
	l.phases = map[string]tool.Phase{}
	l.read = map[string]time.Time{}
	l.ttl = phaseTTL
	l.windows = map[string]*window{}
	l.spots = map[string][]bool{}
	l.blocked = map[string][]*dispatch.Profile{}
}

// blockedScore is how close a question must be to the questions of an
// unroutable tool to be kept out of the pool.
const blockedScore = 0.6

// block keeps requests like questions out of tenant's pool.
func (l *learning) block(tenant string, questions []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blocked[tenant] = append(l.blocked[tenant], dispatch.NewProfile(questions))
}

// isBlocked reports whether q is like the questions of an unroutable tool.
func (l *learning) isBlocked(tenant, q string) bool {
	l.mu.Lock()
	ps := l.blocked[tenant]
	l.mu.Unlock()
	for _, p := range ps {
		if p.Score(q) >= blockedScore {
			return true
		}
	}
	return false
}

// groupKey and toolKey name what replies are kept for: a tenant's pending
// group, or a tool by name (its versions share the shape).
func groupKey(tenant string, group int64) string { return fmt.Sprintf("group:%s:%d", tenant, group) }
func toolKey(t *tool.Tool) string                { return "tool:" + t.Name }

// maxGroupKeys bounds the pending groups whose replies are kept: one-off
// questions each start a group that may never get a tool.
const maxGroupKeys = 10_000

// observe keeps an upstream reply and its answer under key.
func (l *learning) observe(key string, rep upstreamReply, ans string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.samples[key]; !ok && strings.HasPrefix(key, "group:") && len(l.samples) >= maxGroupKeys {
		for k := range l.samples { // forget one group, whichever the map gives
			if strings.HasPrefix(k, "group:") {
				delete(l.samples, k)
				delete(l.tok, k)
				break
			}
		}
	}
	s := append(l.samples[key], sample{reply: rep.Content, answer: ans})
	if len(s) > maxShapeSamples {
		s = s[len(s)-maxShapeSamples:]
	}
	l.samples[key] = s
	if rep.HasUsage {
		a := l.tok[key]
		if a == nil {
			a = &tokenAvg{}
			l.tok[key] = a
		}
		a.n++
		a.in += float64(rep.PromptTokens)
		a.out += float64(rep.CompletionTokens)
	}
}

// inherit gives a tool the replies and token counts of the group it was
// made from.
func (l *learning) inherit(from, to string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.samples[to] = append(l.samples[to], l.samples[from]...)
	if n := len(l.samples[to]); n > maxShapeSamples {
		l.samples[to] = l.samples[to][n-maxShapeSamples:]
	}
	if a := l.tok[from]; a != nil && l.tok[to] == nil {
		c := *a
		l.tok[to] = &c
	}
	delete(l.samples, from)
	delete(l.tok, from)
}

func (l *learning) shapeOf(key string) shape {
	l.mu.Lock()
	defer l.mu.Unlock()
	return learnShape(l.samples[key])
}

// tokens estimates upstream's prompt and completion tokens for a request
// answered by the tool under key: the mean over its forwarded and
// shadowed requests, else latm's own estimate.
func (l *learning) tokens(key string, in, out int) (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.tok[key]; a != nil && a.n > 0 {
		return int(math.Round(a.in / a.n)), int(math.Round(a.out / a.n))
	}
	return in, out
}

// phaseTTL is how long a phase read from the Store is trusted.
const phaseTTL = 2 * time.Second

// phase returns t's phase; a version with none (made before the gateway
// ran, or by the operator) starts in shadow, recorded as such. A phase
// another process changed in the Store replaces the one in memory (and
// its shadow or spot window) within ttl.
func (l *learning) phase(ctx context.Context, st Store, t *tool.Tool) (tool.Phase, error) {
	ref := t.Ref()
	l.mu.Lock()
	cached, ok := l.phases[ref]
	fresh := ok && time.Since(l.read[ref]) < l.ttl
	l.mu.Unlock()
	if fresh {
		return cached, nil
	}
	p, err := st.ToolPhase(ctx, t.Name, t.Version)
	if err != nil {
		if ok { // the store is out: judge on what is known
			return cached, nil
		}
		return "", err
	}
	if p == "" && ok {
		p = cached // the store failed to record it (logged then)
	}
	if p == "" {
		p = tool.PhaseShadow
		c := tool.PhaseChange{Tool: t.Name, Version: t.Version, Tenant: t.Tenant, To: p, At: time.Now(),
			Reason: "first routed by the gateway: in shadow until it agrees with upstream"}
		if err := st.RecordPhaseChange(ctx, c); err != nil {
			// Refused: another writer (a process sharing the library, or
			// the making of this version) phased it first; its phase holds.
			now, rerr := st.ToolPhase(ctx, t.Name, t.Version)
			if rerr != nil || now == "" {
				return "", err
			}
			p = now
		}
	}
	l.mu.Lock()
	if ok && p != l.phases[ref] {
		delete(l.windows, ref)
		delete(l.spots, ref)
	}
	l.phases[ref] = p
	l.read[ref] = time.Now()
	l.mu.Unlock()
	return p, nil
}

// made is told of every tool a tenant's dispatcher made: it inherits the
// group's replies and starts in shadow.
func (g *Gateway) made(ctx context.Context, tenant string, t *tool.Tool, group int64) {
	if group > 0 {
		g.learn.inherit(groupKey(tenant, group), toolKey(t))
	}
	if !g.routable(ctx, tenant, t) {
		return
	}
	reason := fmt.Sprintf("made from the upstream answers of pending group %d; in shadow for its next %d requests", group, g.cfg.ShadowN)
	if group == 0 {
		reason = fmt.Sprintf("remade after a shadow window that disagreed with upstream; in shadow for its next %d requests", g.cfg.ShadowN)
	}
	g.transition(ctx, t, "", tool.PhaseShadow, 0, 0, reason)
}

// routable reports whether stage 1 routes any of t's own example
// questions to it. One it cannot route to would never answer or be judged;
// it is retired (when the store can) and requests like its questions are
// no longer pooled, so that its task is not made again and again.
func (g *Gateway) routable(ctx context.Context, tenant string, t *tool.Tool) bool {
	r := g.dispatcher(tenant).Router
	r.Invalidate()
	var qs []string
	for _, ue := range t.Examples {
		qs = append(qs, ue.Question)
		if fit, _, err := r.Confident(ctx, ue.Question); err == nil && fit != nil && fit.Name == t.Name {
			return true
		}
	}
	g.learn.block(tenant, qs)
	why := "stage 1 routes none of its own example questions to it (they hold no template it can check): never routed, so retired, and requests like them pass through"
	if rs, ok := g.pool.(interface {
		RetireTool(ctx context.Context, name string, version int) error
	}); ok {
		if err := rs.RetireTool(context.WithoutCancel(ctx), t.Name, t.Version); err != nil {
			g.log.Warn("gateway: retire an unroutable tool", slog.String("tool", t.Ref()), slog.String("error", err.Error()))
		}
		r.Invalidate()
	}
	g.log.Info("gateway: unroutable tool", slog.String("tool", t.Ref()), slog.String("why", why))
	g.recordPhase(ctx, tool.PhaseChange{Tool: t.Name, Version: t.Version, Tenant: t.Tenant, To: tool.PhaseShadow, Reason: why, At: time.Now()})
	return false
}

// recordPhase stores c and returns the version's phase afterwards and whether
// c was applied. The store refuses a change whose From is stale (another
// process sharing the library, or another request of this one, moved the
// version first): then the phase the store holds wins and is returned.
// When the store fails otherwise, c is applied in memory all the same, so
// that a store outage does not stop judging.
func (g *Gateway) recordPhase(ctx context.Context, c tool.PhaseChange) (tool.Phase, bool) {
	ctx = context.WithoutCancel(ctx)
	err := g.store.RecordPhaseChange(ctx, c)
	if err == nil {
		return c.To, true
	}
	now, rerr := g.store.ToolPhase(ctx, c.Tool, c.Version)
	if rerr == nil && now != c.From && now != "" {
		g.log.Info("gateway: phase moved meanwhile", slog.String("tool", tool.Ref(c.Tool, c.Version)),
			slog.String("from", string(c.From)), slog.String("to", string(c.To)), slog.String("now", string(now)))
		return now, false
	}
	g.log.Warn("gateway: record a phase change", slog.String("tool", tool.Ref(c.Tool, c.Version)), slog.String("error", err.Error()))
	return c.To, true
}

// transition records a phase change of t and applies it; when the store
// holds a newer phase (another process moved t), that one is applied
// instead and transition reports false.
func (g *Gateway) transition(ctx context.Context, t *tool.Tool, from, to tool.Phase, agreed, compared int, reason string) bool {
	c := tool.PhaseChange{Tool: t.Name, Version: t.Version, Tenant: t.Tenant, From: from, To: to,
		Agreed: agreed, Compared: compared, Reason: reason, At: time.Now()}
	now, applied := g.recordPhase(ctx, c)
	if applied {
		g.log.Info("gateway: phase", slog.String("tool", t.Ref()), slog.String("from", string(from)), slog.String("to", string(to)), slog.String("reason", reason))
	}
	l := &g.learn
	l.mu.Lock()
	l.phases[t.Ref()] = now
	l.read[t.Ref()] = time.Now()
	delete(l.windows, t.Ref())
	delete(l.spots, t.Ref())
	l.mu.Unlock()
	return applied
}

func pct(a, b int) string {
	if b == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}

// shadowed counts one shadow comparison of t; after ShadowN of them the
// version goes live, or stays in shadow and its tool is remade with the
// disagreements shown first.
func (g *Gateway) shadowed(ctx context.Context, tenant string, t *tool.Tool, ex tool.Example, got string, agreed bool) {
	l := &g.learn
	ref := t.Ref()
	l.mu.Lock()
	if l.phases[ref] != tool.PhaseShadow {
		l.mu.Unlock()
		return // judged meanwhile
	}
	w := l.windows[ref]
	if w == nil {
		w = &window{}
		l.windows[ref] = w
	}
	// A request whose upstream reply held no short answer counts as a
	// disagreement: the tool's group should not have been routed there.
	w.compared++
	if agreed {
		w.agreed++
	} else if ex.Answer != "" {
		w.wrong = append(w.wrong, wrongAnswer{ex, got})
	}
	if ex.Answer != "" {
		w.examples = append(w.examples, ex)
	}
	if w.compared < g.cfg.ShadowN {
		l.mu.Unlock()
		return
	}
	compared := w.compared
	delete(l.windows, ref)
	l.mu.Unlock()
	th := g.cfg.LiveThreshold
	if float64(w.agreed) >= th*float64(compared)-1e-9 {
		g.transition(ctx, t, tool.PhaseShadow, tool.PhaseLive, w.agreed, compared,
			fmt.Sprintf("%d of %d agreed with upstream (%s >= %s)", w.agreed, compared, pct(w.agreed, compared), pct100(th)))
		return
	}
	if g.transition(ctx, t, tool.PhaseShadow, tool.PhaseShadow, w.agreed, compared,
		fmt.Sprintf("%d of %d agreed with upstream (%s < %s): stays in shadow; remade with its %d disagreements shown first", w.agreed, compared, pct(w.agreed, compared), pct100(th), len(w.wrong))) {
		g.remake(tenant, t, w)
	}
}

func pct100(th float64) string { return fmt.Sprintf("%.0f%%", 100*th) }

// spotChecked counts one spot check of live t; when the disagreements in
// the latest SpotWindow checks are more than the threshold allows, the
// version goes back to shadow.
func (g *Gateway) spotChecked(ctx context.Context, tenant string, t *tool.Tool, agreed bool) {
	l := &g.learn
	ref := t.Ref()
	l.mu.Lock()
	if l.phases[ref] != tool.PhaseLive {
		l.mu.Unlock()
		return
	}
	s := append(l.spots[ref], agreed)
	if len(s) > g.cfg.SpotWindow {
		s = s[len(s)-g.cfg.SpotWindow:]
	}
	l.spots[ref] = s
	wrong := 0
	for _, ok := range s {
		if !ok {
			wrong++
		}
	}
	l.mu.Unlock()
	allowed := int(math.Floor((1-g.cfg.LiveThreshold)*float64(g.cfg.SpotWindow) + 1e-9))
	if wrong <= allowed {
		return
	}
	g.transition(ctx, t, tool.PhaseLive, tool.PhaseShadow, len(s)-wrong, len(s),
		fmt.Sprintf("spot checks: %d of the latest %d disagreed with upstream (at most %d allowed over a window of %d at %s): back to shadow",
			wrong, len(s), allowed, g.cfg.SpotWindow, pct100(g.cfg.LiveThreshold)))
}

// remake has the tool of t's group made again from the shadow window's
// requests, the disagreements first (the maker trains and tests on them)
// and named in the task's description, unless a remake of it runs.
func (g *Gateway) remake(tenant string, t *tool.Tool, w *window) {
	if g.maker == nil {
		return
	}
	g.mu.Lock()
	if g.remaking[t.Name] {
		g.mu.Unlock()
		return
	}
	g.remaking[t.Name] = true
	g.mu.Unlock()
	examples := make([]tool.Example, 0, len(w.examples))
	var notes []string
	for _, x := range w.wrong {
		examples = append(examples, x.ex)
		if len(notes) < 5 {
			notes = append(notes, fmt.Sprintf("expected %q, it gave %q", clip(x.ex.Answer, 80), clip(x.got, 80)))
		}
	}
	for _, ex := range w.examples {
		if !containsExample(examples, ex) {
			examples = append(examples, ex)
		}
	}
	// Then the version's own usage examples, whose answers were upstream's
	// too, so that a short window still gives the maker enough examples.
	for _, ue := range t.Examples {
		if ex := (tool.Example{Question: ue.Question, Answer: ue.Answer}); !containsExample(examples, ex) {
			examples = append(examples, ex)
		}
	}
	note := fmt.Sprintf("Version %d disagreed with the expected answer on %d of %d requests; the first %d examples below are those (%s)",
		t.Version, len(w.wrong), w.compared, len(w.wrong), strings.Join(notes, "; "))
	g.background(Client{Tenant: tenant}, func(ctx context.Context) {
		defer func() {
			g.mu.Lock()
			delete(g.remaking, t.Name)
			g.mu.Unlock()
		}()
		d := g.dispatcher(tenant)
		if len(examples) < d.MinExamples {
			g.log.Info("gateway: too few labelled requests to remake", slog.String("tool", t.Ref()), slog.Int("examples", len(examples)))
			return
		}
		nt, err := d.Remake(ctx, t.Name, examples, note)
		if err != nil {
			g.log.Warn("gateway: remake", slog.String("tool", t.Ref()), slog.String("error", err.Error()))
			return
		}
		if nt != nil {
			g.log.Info("gateway: remade", slog.String("tool", nt.Ref()), slog.String("from", t.Ref()))
		}
	})
}

func containsExample(xs []tool.Example, ex tool.Example) bool {
	for _, x := range xs {
		if x == ex {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// makeSoon makes, in the background, the tools of the tenant's groups that
// have enough labels; one making per tenant at a time, run again once if
// requests were pooled meanwhile. It never blocks a request.
func (g *Gateway) makeSoon(c Client) {
	if g.maker == nil {
		return
	}
	tenant := c.Tenant
	g.mu.Lock()
	g.making[tenant]++
	first := g.making[tenant] == 1
	if g.making[tenant] > 2 {
		g.making[tenant] = 2
	}
	g.mu.Unlock()
	if !first {
		return
	}
	g.background(Client{Tenant: tenant}, func(ctx context.Context) {
		d := g.dispatcher(tenant)
		for {
			if _, err := d.MakeReady(ctx, -1); err != nil && ctx.Err() == nil {
				g.log.Warn("gateway: make tools", slog.String("error", err.Error()))
			}
			if notes, err := d.Unmade(ctx); err == nil {
				for _, n := range notes {
					g.log.Info("gateway: not made", slog.String("group", n))
				}
			}
			g.mu.Lock()
			g.making[tenant]--
			again := g.making[tenant] > 0
			g.mu.Unlock()
			if !again || ctx.Err() != nil {
				if ctx.Err() != nil {
					g.mu.Lock()
					g.making[tenant] = 0
					g.mu.Unlock()
				}
				return
			}
		}
	})
}

package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// Tenants. A caller with a token is the tenant of that token's name; a
// caller without one (possible only when tokens are not required, i.e. on
// loopback) and a token listed in Options.Operators is the operator. A
// tool with Tenant set belongs to that tenant: its usage examples,
// validation, runs and package (which hold the tenant's data) are shown
// only to it and to the operator; another tenant does not see the tool at
// all, unless Options.ShareTools is set, and then sees it without them.

// GatewayRecords is what the views read of the gateway's records: the
// phase transitions of tools learned from traffic and the savings per
// tenant. *library.Store implements it.
type GatewayRecords interface {
	ToolPhase(ctx context.Context, name string, version int) (tool.Phase, error)
	PhaseChanges(ctx context.Context, name string) ([]tool.PhaseChange, error)
	GatewaySavings(ctx context.Context, tenant string) (tool.GatewaySavings, error)
	GatewayTenants(ctx context.Context) ([]string, error)
}

var _ GatewayRecords = (*library.Store)(nil)

// gatewayRecords is Options.GatewayRecords, or the store of a Local
// engine; nil when there is neither.
func (s *Server) gatewayRecords() GatewayRecords {
	if s.opts.GatewayRecords != nil {
		return s.opts.GatewayRecords
	}
	if l, ok := s.eng.(*Local); ok && l.Store != nil {
		return l.Store
	}
	return nil
}

// caller is who asks, as far as tenants go.
type caller struct {
	tenant   string // the token's name; "" without a token
	operator bool   // sees every tenant's tools, examples and savings
}

// callerOf reads who the guard (or the console) authenticated.
func (s *Server) callerOf(r *http.Request) caller {
	info, _ := r.Context().Value(infoKey).(*reqInfo)
	if info == nil || info.who == "" {
		// Not through the guard: authenticate here.
		who, _, err := s.authenticate(r)
		if err != nil {
			return caller{tenant: "\x00unauthenticated"} // sees only the operator's tools
		}
		return s.callerFromWho(who)
	}
	return s.callerFromWho(info.who)
}

func (s *Server) callerFromWho(who string) caller {
	name, ok := strings.CutPrefix(who, "token:")
	if !ok {
		return caller{operator: true}
	}
	return caller{tenant: name, operator: slices.Contains(s.opts.Operators, name)}
}

// solveScope scopes a question of c that names no tool (SolveRequest):
// the operator routes as the engine does; a tenant reaches the operator's
// tools and its own (every tenant's with ShareTools), and its unknown
// questions are pooled as its own.
func (s *Server) solveScope(c caller, req SolveRequest) SolveRequest {
	if !c.operator {
		req.Tenant, req.Share = c.tenant, s.opts.ShareTools
	}
	return req
}

// visiblePending keeps the pending instances c may see: a tenant sees the
// questions its own traffic pooled, the operator every tenant's.
func visiblePending(c caller, ps []*tool.Pending) []*tool.Pending {
	if c.operator {
		return ps
	}
	out := make([]*tool.Pending, 0, len(ps))
	for _, p := range ps {
		if p.Tenant == c.tenant {
			out = append(out, p)
		}
	}
	return out
}

// access is how much of a tool a caller sees.
type access int

const (
	hidden access = iota // not at all
	shared               // the tool, without its owner's data
	full                 // everything
)

func (s *Server) accessTo(c caller, t *tool.Tool) access {
	switch {
	case t.Tenant == "" || c.operator || c.tenant == t.Tenant:
		return full
	case s.opts.ShareTools:
		return shared
	}
	return hidden
}

// forCaller returns t as c may see it (a copy without the owner's usage
// examples, validation and transcript when shared), or nil if hidden.
func (s *Server) forCaller(c caller, t *tool.Tool) *tool.Tool {
	switch s.accessTo(c, t) {
	case full:
		return t
	case shared:
		cp := *t
		cp.Examples, cp.Validation, cp.Transcript, cp.Tenant = nil, nil, nil, ""
		// The argument schema was written from the owner's usage examples
		// (its descriptions and enums may quote them); the signature's
		// open schema is published instead.
		cp.ArgSchema, cp.ArgSchemaFrom, cp.ArgSchemaNote = "", "", ""
		return &cp
	}
	return nil
}

// visibleTools keeps the tools c may see, as c may see them.
func (s *Server) visibleTools(c caller, tools []*tool.Tool) []*tool.Tool {
	out := make([]*tool.Tool, 0, len(tools))
	for _, t := range tools {
		if v := s.forCaller(c, t); v != nil {
			out = append(out, v)
		}
	}
	return out
}

// notFound is the error a hidden tool gets: the same as a missing one, so
// that a tenant cannot tell another's tool names by probing.
func notFound(ref string) error {
	return fmt.Errorf("tool %s: %w", ref, library.ErrNotFound)
}

// toolFor loads the tool ref names as c may see it; a hidden tool is not
// found.
func (s *Server) toolFor(ctx context.Context, c caller, ref string) (*tool.Tool, access, error) {
	name, version, err := tool.ParseRef(ref)
	if err != nil {
		return nil, hidden, &InputError{Field: "ref", Err: err}
	}
	t, err := s.eng.Tool(ctx, name, version)
	if err != nil {
		return nil, hidden, err
	}
	a := s.accessTo(c, t)
	if a == hidden {
		return nil, hidden, notFound(ref)
	}
	return s.forCaller(c, t), a, nil
}

// runOwners maps every tool version's ref to its tenant, for filtering
// runs (which hold the questions of the tool's owner).
func (s *Server) runOwners(ctx context.Context) (map[string]string, error) {
	all, err := s.eng.Tools(ctx, true)
	if err != nil {
		return nil, err
	}
	owners := map[string]string{}
	for _, t := range all {
		if t.Tenant != "" {
			owners[t.Ref()] = t.Tenant
		}
	}
	return owners, nil
}

// visibleRuns keeps the runs of tools whose data c may see.
func (s *Server) visibleRuns(ctx context.Context, c caller, runs []*tool.Run) ([]*tool.Run, error) {
	if c.operator {
		return runs, nil
	}
	owners, err := s.runOwners(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*tool.Run, 0, len(runs))
	for _, r := range runs {
		if r.ToolName != "" {
			if o := owners[tool.Ref(r.ToolName, r.ToolVersion)]; o != "" && o != c.tenant {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// codeForbidden is a request for another tenant's data.
const codeForbidden = "forbidden"

// summaryFor is t's listing entry as c sees it, with its current phase.
func (s *Server) summaryFor(ctx context.Context, c caller, t *tool.Tool) (toolSummary, error) {
	a := s.accessTo(c, t)
	sum := summarize(s.forCaller(c, t))
	sum.Shared = a == shared
	if g := s.gatewayRecords(); g != nil {
		p, err := g.ToolPhase(ctx, t.Name, t.Version)
		if err != nil {
			return sum, err
		}
		sum.Phase = p
	}
	return sum, nil
}

// summaries lists the tools c may see, with their phases.
func (s *Server) summaries(ctx context.Context, c caller, tools []*tool.Tool) ([]toolSummary, error) {
	out := make([]toolSummary, 0, len(tools))
	for _, t := range tools {
		if s.accessTo(c, t) == hidden {
			continue
		}
		sum, err := s.summaryFor(ctx, c, t)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// phaseHistory is every phase change of name's versions, oldest first;
// a caller seeing the tool through sharing is not told its owner.
func (s *Server) phaseHistory(ctx context.Context, name string, a access) ([]tool.PhaseChange, error) {
	out := []tool.PhaseChange{}
	g := s.gatewayRecords()
	if g == nil {
		return out, nil
	}
	cs, err := g.PhaseChanges(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if a != full {
			c.Tenant = ""
		}
		out = append(out, c)
	}
	return out, nil
}

// ownsAll reports whether the caller may change name@version (every
// version for 0): it must see all of each, not through sharing. It
// answers the request with the refusal when not.
func (s *Server) ownsAll(w http.ResponseWriter, r *http.Request, name string, version int) bool {
	c := s.callerOf(r)
	var ts []*tool.Tool
	if version > 0 {
		t, err := s.eng.Tool(r.Context(), name, version)
		if err != nil {
			s.fail(w, r, err)
			return false
		}
		ts = []*tool.Tool{t}
	} else {
		vs, err := s.eng.ToolVersions(r.Context(), name)
		if err != nil {
			s.fail(w, r, err)
			return false
		}
		ts = vs
	}
	for _, t := range ts {
		switch s.accessTo(c, t) {
		case hidden:
			s.fail(w, r, notFound(tool.Ref(name, version)))
			return false
		case shared:
			writeError(w, http.StatusForbidden, codeForbidden, "ref", t.Ref()+" belongs to another tenant; only its owner may retire or reactivate it")
			return false
		}
	}
	return true
}

// searchable reports whether a search hit may be shown to c. The index
// covers usage questions, so a hit on another tenant's tool could tell c
// what that tenant asked: such hits are left out even when the tool is
// shared (it is still listed and callable).
func (s *Server) searchable(ctx context.Context, c caller, h tool.SearchHit) (bool, error) {
	_, a, err := s.toolFor(ctx, c, tool.Ref(h.Name, h.Version))
	if errors.Is(err, library.ErrNotFound) {
		return false, nil // hidden, or gone meanwhile
	}
	if err != nil {
		return false, err
	}
	return a == full, nil
}

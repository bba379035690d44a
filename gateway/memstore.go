package gateway

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/latm/latm/tool"
)

// MemStore is a Store in memory, for tests and for embedders without a
// library store that keeps phases and request records. It is safe for
// concurrent use; everything is lost when the process ends.
type MemStore struct {
	mu       sync.Mutex
	changes  []tool.PhaseChange
	requests []tool.GatewayRequest
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

var _ Store = (*MemStore)(nil)

// RecordPhaseChange implements Store: like the library's, it refuses a
// change whose From is not the version's current phase.
func (m *MemStore) RecordPhaseChange(_ context.Context, c tool.PhaseChange) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.phaseLocked(c.Tool, c.Version); cur != c.From {
		return fmt.Errorf("record phase change of %s from %q to %q: its phase is %q now: %w", tool.Ref(c.Tool, c.Version), c.From, c.To, cur, ErrPhaseConflict)
	}
	m.changes = append(m.changes, c)
	return nil
}

func (m *MemStore) phaseLocked(name string, version int) tool.Phase {
	for i := len(m.changes) - 1; i >= 0; i-- {
		if c := m.changes[i]; c.Tool == name && c.Version == version {
			return c.To
		}
	}
	return ""
}

// ToolPhase implements Store.
func (m *MemStore) ToolPhase(_ context.Context, name string, version int) (tool.Phase, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.phaseLocked(name, version), nil
}

// PhaseChanges implements Store.
func (m *MemStore) PhaseChanges(_ context.Context, name string) ([]tool.PhaseChange, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tool.PhaseChange
	for _, c := range m.changes {
		if c.Tool == name {
			out = append(out, c)
		}
	}
	return out, nil
}

// RecordGatewayRequest implements Store.
func (m *MemStore) RecordGatewayRequest(_ context.Context, r *tool.GatewayRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.ID = int64(len(m.requests) + 1)
	m.requests = append(m.requests, *r)
	return nil
}

// Requests returns every recorded request, oldest first.
func (m *MemStore) Requests() []tool.GatewayRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]tool.GatewayRequest(nil), m.requests...)
}

// calledUpstream reports whether serving r called upstream.
func calledUpstream(r tool.GatewayRequest) bool { return r.Served != tool.ServedTool }

// GatewaySavings implements Store.
func (m *MemStore) GatewaySavings(_ context.Context, tenant string) (tool.GatewaySavings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := tool.GatewaySavings{Tenant: tenant, ByServed: map[string]int{}}
	days := map[string]*tool.GatewayDay{}
	for _, r := range m.requests {
		if tenant != "" && r.Tenant != tenant {
			continue
		}
		s.Requests++
		s.ByServed[r.Served]++
		spent := r.LatmCost
		if calledUpstream(r) {
			s.UpstreamCalls++
			spent += r.UpstreamCost
		} else {
			s.UpstreamSaved++
		}
		s.WouldHaveCost += r.UpstreamCost
		s.Spent += spent
		if r.Agreed != nil {
			s.Compared++
			if *r.Agreed {
				s.Agreed++
			}
		}
		day := r.At.UTC().Format("2006-01-02")
		d := days[day]
		if d == nil {
			d = &tool.GatewayDay{Day: day}
			days[day] = d
		}
		d.Requests++
		if !calledUpstream(r) || r.Served == tool.ServedSpot {
			d.ByTool++
		}
		d.WouldHaveCost += r.UpstreamCost
		d.Spent += spent
	}
	for _, d := range days {
		s.Daily = append(s.Daily, *d)
	}
	sort.Slice(s.Daily, func(i, j int) bool { return s.Daily[i].Day < s.Daily[j].Day })
	return s, nil
}

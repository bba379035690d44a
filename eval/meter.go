package eval

import (
	"context"
	"sync"

	"github.com/latm/latm/llm"
)

// usage sums the model calls of one instance or one making.
type usage struct {
	Calls     int     `json:"calls"`
	CacheHits int     `json:"cache_hits"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	Estimated bool    `json:"estimated,omitempty"`
	Cost      float64 `json:"cost"`
}

func (r *Row) add(u usage) {
	r.Calls += u.Calls
	r.CacheHits += u.CacheHits
	r.TokensIn += u.TokensIn
	r.TokensOut += u.TokensOut
	r.Estimated = r.Estimated || u.Estimated
	r.Cost += u.Cost
}

// meter counts the calls that pass through it. A cache hit costs nothing
// now, but it is counted with the cost the call had, so that a resumed run
// reports what the whole run cost.
type meter struct {
	inner Chatter
	mu    sync.Mutex
	u     usage
}

func (m *meter) Chat(ctx context.Context, req llm.Request) (*llm.Response, error) {
	resp, err := m.inner.Chat(ctx, req)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.u.Calls++
	if resp != nil {
		m.u.TokensIn += resp.TokensIn
		m.u.TokensOut += resp.TokensOut
		m.u.Cost += resp.Cost
		m.u.Estimated = m.u.Estimated || resp.Estimated
		if resp.CacheHit {
			m.u.CacheHits++
		}
	}
	return resp, err
}

func (m *meter) usage() usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}

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

// meter counts the calls made under one context: one test instance or one
// tool making. The model client reports every call to its ledger with the
// caller's context, so a ledger wrapped by Ledger finds the meter there;
// this counts the calls the maker and the user model make inside their own
// packages as well as eval's own cot and direct calls.
//
// The figures are the ledger's: a call served from the response cache is a
// call and a cache hit, with no tokens and no cost, since it cost nothing.
type meter struct {
	mu     sync.Mutex
	u      usage
	failed bool // the last call failed (a truncated reply is a reply)
}

func (m *meter) record(c llm.Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.u.Calls++
	m.failed = c.Status != "ok" && c.Status != "truncated"
	m.u.TokensIn += c.TokensIn
	m.u.TokensOut += c.TokensOut
	m.u.Cost += c.Cost
	m.u.Estimated = m.u.Estimated || c.Estimated
	if c.CacheHit {
		m.u.CacheHits++
	}
}

// lastFailed says whether the last call counted failed outside the model.
func (m *meter) lastFailed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed
}

func (m *meter) usage() usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}

type meterKey struct{}

func withMeter(ctx context.Context, m *meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// Ledger wraps the ledger of the model client a run uses, so that every
// call is counted for the instance or making it belongs to before it is
// passed on to inner (which may be nil). Run's figures come only from
// calls reported this way: give Deps.Chat, the maker and the solver a
// client built with this ledger.
func Ledger(inner llm.Ledger) llm.Ledger { return meterLedger{inner} }

type meterLedger struct{ inner llm.Ledger }

func (l meterLedger) RecordCall(ctx context.Context, c llm.Call) error {
	if m, ok := ctx.Value(meterKey{}).(*meter); ok {
		m.record(c)
	}
	if l.inner == nil {
		return nil
	}
	return l.inner.RecordCall(ctx, c)
}

package llm

import (
	"context"
	"sync"
)

// Meter sums the model calls a Client makes with a context that carries
// it (WithMeter): calls, cache hits, tokens and cost, as the ledger
// records them. It lets a caller say what one instance cost, including
// retries and calls made deep inside other packages.
type Meter struct {
	parent *Meter
	mu     sync.Mutex
	t      Totals
}

// Totals are what a Meter has counted.
type Totals struct {
	Calls     int
	CacheHits int
	TokensIn  int
	TokensOut int
	Cost      float64
}

type meterKey struct{}

// WithMeter returns a context carrying a new Meter, and the Meter. Calls
// made under it are also counted by any Meter ctx already carried.
func WithMeter(ctx context.Context) (context.Context, *Meter) {
	m := &Meter{parent: meterFrom(ctx)}
	return context.WithValue(ctx, meterKey{}, m), m
}

func meterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// Totals returns what the Meter has counted so far.
func (m *Meter) Totals() Totals {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

func (m *Meter) add(c Call) {
	for ; m != nil; m = m.parent {
		m.mu.Lock()
		m.t.Calls++
		if c.CacheHit {
			m.t.CacheHits++
		}
		m.t.TokensIn += c.TokensIn
		m.t.TokensOut += c.TokensOut
		m.t.Cost += c.Cost
		m.mu.Unlock()
	}
}

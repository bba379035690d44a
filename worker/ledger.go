package worker

import (
	"context"
	"sync"
	"time"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
)

// Call is one model call a worker made for an instance: a row of the
// ledger, carried in the instance's result so that the submitter's file
// (latm cost) counts what its batch cost wherever it was solved.
type Call struct {
	Role      string  `json:"role"`
	Model     string  `json:"model"`
	Endpoint  string  `json:"endpoint,omitempty"`
	Tool      string  `json:"tool,omitempty"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	Estimated bool    `json:"estimated,omitempty"`
	Cost      float64 `json:"cost"`
	LatencyNS int64   `json:"latency_ns"`
	Status    string  `json:"status"`
	CacheHit  bool    `json:"cache_hit,omitempty"`
	At        string  `json:"at"` // RFC 3339, when the worker recorded it
}

func (c Call) modelCall() *tool.ModelCall {
	at, _ := time.Parse(time.RFC3339Nano, c.At)
	return &tool.ModelCall{Role: c.Role, Model: c.Model, Endpoint: c.Endpoint, Tool: c.Tool,
		TokensIn: c.TokensIn, TokensOut: c.TokensOut, Estimated: c.Estimated, Cost: c.Cost,
		Latency: time.Duration(c.LatencyNS), Status: c.Status, CacheHit: c.CacheHit, CreatedAt: at}
}

// callLog gathers the calls made under one instance's context.
type callLog struct {
	mu    sync.Mutex
	calls []Call
}

type callLogKey struct{}

func withCallLog(ctx context.Context) (context.Context, *callLog) {
	l := &callLog{}
	return context.WithValue(ctx, callLogKey{}, l), l
}

func (l *callLog) list() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

// teeLedger records each call in the worker's own ledger and in the call
// log of the instance it was made for.
type teeLedger struct{ inner llm.Ledger }

func (t teeLedger) RecordCall(ctx context.Context, c llm.Call) error {
	if l, ok := ctx.Value(callLogKey{}).(*callLog); ok {
		l.mu.Lock()
		l.calls = append(l.calls, Call{Role: string(c.Role), Model: c.Model, Endpoint: c.Endpoint, Tool: c.Tool,
			TokensIn: c.TokensIn, TokensOut: c.TokensOut, Estimated: c.Estimated, Cost: c.Cost,
			LatencyNS: int64(c.Latency), Status: c.Status, CacheHit: c.CacheHit, At: time.Now().UTC().Format(time.RFC3339Nano)})
		l.mu.Unlock()
	}
	return t.inner.RecordCall(ctx, c)
}

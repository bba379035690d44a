package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

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

// callLog gathers the calls made under one instance's context, and the
// events that publish them.
type callLog struct {
	batch  string
	mu     sync.Mutex
	calls  []Call
	acks   []jetstream.PubAckFuture
	events []Event
}

type callLogKey struct{}

func withCallLog(ctx context.Context, batch string) (context.Context, *callLog) {
	l := &callLog{batch: batch}
	return context.WithValue(ctx, callLogKey{}, l), l
}

func (l *callLog) list() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

// pubs returns the publishes of the call events so far and their events,
// copied under the lock: a call recorded meanwhile appends to both.
func (l *callLog) pubs() ([]jetstream.PubAckFuture, []Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]jetstream.PubAckFuture(nil), l.acks...), append([]Event(nil), l.events...)
}

// teeLedger records each call in the worker's own ledger, in the call log
// of the instance it was made for, and as an event for the collectors.
type teeLedger struct {
	inner  llm.Ledger
	events *callEvents
}

func (t teeLedger) RecordCall(ctx context.Context, c llm.Call) error {
	call := Call{Role: string(c.Role), Model: c.Model, Endpoint: c.Endpoint, Tool: c.Tool,
		TokensIn: c.TokensIn, TokensOut: c.TokensOut, Estimated: c.Estimated, Cost: c.Cost,
		LatencyNS: int64(c.Latency), Status: c.Status, CacheHit: c.CacheHit, At: time.Now().UTC().Format(time.RFC3339Nano)}
	l, _ := ctx.Value(callLogKey{}).(*callLog)
	batch := ""
	if l != nil {
		batch = l.batch
	}
	a, ev, perr := t.events.publish(batch, call)
	if l != nil {
		l.mu.Lock()
		l.calls = append(l.calls, call)
		if perr == nil {
			l.acks, l.events = append(l.acks, a), append(l.events, ev)
		}
		l.mu.Unlock()
	}
	err := t.inner.RecordCall(ctx, c)
	if perr != nil {
		err = errors.Join(err, fmt.Errorf("publish the call's event: %w", perr))
	}
	return err
}

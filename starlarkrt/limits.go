package starlarkrt

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Default limits, used for every zero field of Limits.
const (
	DefaultMaxSteps  = 100_000_000
	DefaultTimeout   = 10 * time.Second
	DefaultMaxDepth  = 1000
	DefaultMaxMemory = 256 << 20
	DefaultMaxOutput = 1 << 20
	DefaultMaxResult = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxSteps == 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxResult <= 0 {
		l.MaxResult = DefaultMaxResult
	}
	return l
}

// memoryPeriod is how often a running call's heap growth is sampled.
const memoryPeriod = 2 * time.Millisecond

// heapBytes reads the bytes of live and not-yet-swept heap objects.
func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// watch guards a running call until the returned func is called: the
// call's thread is halted when ctx is done, when the time limit passes, or
// when the heap has grown past the memory limit since the call began. One
// monitor goroutine checks every running call each memoryPeriod, so a call
// costs no goroutine or timer of its own. The heap is the process's: in
// process with concurrent calls the figure is shared and approximate; in a
// worker process, which runs one call at a time, it is the call's own, and
// the worker's OS limit stops what a sample is too slow to see.
//
// When the caller's context has a deadline before the time limit, the
// monitor stops the call at that deadline as the context's (a
// context.DeadlineExceeded, not the time limit) even if the context's own
// timer has not fired yet: on a loaded machine it can fire late, after the
// time limit, and the call would be reported as having hit a limit it was
// never given the time to reach.
func watch(ctx context.Context, c *call, lim Limits) func() {
	stopCtx := context.AfterFunc(ctx, func() { c.state.Cancel(c.thread, ctx.Err()) })
	if d, ok := ctx.Deadline(); ok && d.Before(c.start.Add(lim.Timeout)) {
		c.deadline, c.ctxFirst = d, true
	} else {
		c.deadline = c.start.Add(lim.Timeout)
	}
	mon.add(c, lim)
	return func() {
		stopCtx()
		mon.remove(c)
	}
}

// monitor checks the running calls of this process.
type monitor struct {
	mu      sync.Mutex
	calls   map[*call]Limits
	running bool
	heap    atomic.Int64 // the last sample
}

var mon = &monitor{calls: map[*call]Limits{}}

func (m *monitor) add(c *call, lim Limits) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.running {
		m.running = true
		m.heap.Store(heapBytes())
		go m.loop()
	}
	c.base = m.heap.Load()
	base := c.base
	c.state.Growth = func() int64 { return m.heap.Load() - base }
	m.calls[c] = lim
}

func (m *monitor) remove(c *call) {
	m.mu.Lock()
	delete(m.calls, c)
	m.mu.Unlock()
}

// idleTicks is how many empty checks the monitor makes before it stops.
const idleTicks = 500

func (m *monitor) loop() {
	tick := time.NewTicker(memoryPeriod)
	defer tick.Stop()
	idle := 0
	for now := range tick.C {
		heap := heapBytes()
		m.heap.Store(heap)
		m.mu.Lock()
		if len(m.calls) == 0 {
			if idle++; idle >= idleTicks {
				m.running = false
				m.mu.Unlock()
				return
			}
		} else {
			idle = 0
		}
		for c, lim := range m.calls {
			grown := heap - c.base
			c.state.NotePeak(grown)
			switch {
			case now.After(c.deadline) && c.ctxFirst:
				c.state.Cancel(c.thread, context.DeadlineExceeded)
			case now.After(c.deadline):
				c.state.Halt(c.thread, &LimitError{Limit: "time", Max: lim.Timeout.String()})
			case grown > lim.MaxMemory:
				c.state.Halt(c.thread, &LimitError{Limit: "memory", Max: formatSize(lim.MaxMemory)})
			}
		}
		m.mu.Unlock()
	}
}

// checkResultSize fails with a result LimitError when v's JSON form is
// larger than max bytes.
func checkResultSize(v any, max int) error {
	n, err := jsonSize(v)
	if err != nil {
		return err
	}
	if n > max {
		return &LimitError{Limit: "result", Max: formatSize(int64(max))}
	}
	return nil
}

// jsonSize returns the length of v encoded as JSON (NaN and infinities,
// which JSON lacks, count as the strings they are printed as).
func jsonSize(v any) (int, error) {
	b, err := MarshalJSON(v)
	return len(b), err
}

// MarshalJSON encodes a JSON-like value (as Call and Exec return) as JSON.
// Big integers are written as plain numbers; NaN and infinities, which JSON
// cannot hold, as the strings "NaN", "Infinity" and "-Infinity".
func MarshalJSON(v any) ([]byte, error) {
	return json.Marshal(jsonable(v))
}

func jsonable(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return x
	case *big.Int:
		return json.RawMessage(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	}
	return v
}

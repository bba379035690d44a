package starlarkrt

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"runtime/metrics"
	"strconv"
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

// formatSize renders a byte count the way the config spells it: 256MB.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KB"
	}
	return strconv.FormatInt(n, 10) + "B"
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

// watch guards a running call: it halts the thread when the time limit
// passes, when ctx is cancelled, and when the heap has grown past the
// memory limit since the call began. The heap is the process's, so in
// process with concurrent calls the figure is shared and approximate; in
// a worker process, which runs one call at a time, it is the call's own,
// and the worker's OS limit stops what one sample is too slow to see.
// The returned func stops the guard and waits for it.
func watch(ctx context.Context, c *call, lim Limits) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	base := heapBytes()
	go func() {
		defer close(finished)
		timer := time.NewTimer(lim.Timeout)
		defer timer.Stop()
		tick := time.NewTicker(memoryPeriod)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				c.state.cancel(c.thread, ctx.Err())
				return
			case <-timer.C:
				c.state.halt(c.thread, &LimitError{Limit: "time", Max: lim.Timeout.String()})
				return
			case <-tick.C:
				grown := heapBytes() - base
				if grown > c.state.peak.Load() {
					c.state.peak.Store(grown)
				}
				if grown > lim.MaxMemory {
					c.state.halt(c.thread, &LimitError{Limit: "memory", Max: formatSize(lim.MaxMemory)})
					return
				}
			}
		}
	}()
	return func() {
		select {
		case <-done:
		default:
			close(done)
		}
		<-finished
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

package starlarkrt

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Runtime compiles, caches and runs programs under limits. It is safe for
// concurrent use.
//
// With InProcess isolation programs run on goroutines of the caller: the
// fastest choice, and bounded in steps, time, depth, output and result,
// but memory only approximately (a single huge operation such as
// "x" * 1000000000 is allocated before any guard can see it). With
// Subprocess isolation every call runs in a long-lived worker process of
// the same binary under an OS memory limit, so such an operation kills at
// most the worker, which is restarted; the call reports a memory limit
// error. docs/benchmarks.md has the measured cost of each.
type Runtime struct {
	opts     Options
	eng      *engine
	modNames []string // the names of eng's modules, sent to workers

	// abandoned counts in-process calls given up on because they did not
	// stop in time (see detached).
	abandoned atomic.Int64
	runners   *runners // the goroutines in-process calls run on

	poolOnce sync.Once
	pool     *pool
	poolErr  error
}

// New returns a Runtime. Worker processes, for Subprocess isolation, start
// on first use.
func New(opts Options) *Runtime {
	opts.Limits = opts.Limits.withDefaults()
	eng := newEngineFor(opts.Dialect, opts.Modules)
	return &Runtime{opts: opts, eng: eng, modNames: moduleNames(eng.mods), runners: newRunners()}
}

// Limits returns the limits every call runs under.
func (rt *Runtime) Limits() Limits { return rt.opts.Limits }

// Isolation returns where programs run.
func (rt *Runtime) Isolation() Isolation { return rt.opts.Isolation }

// Close stops any worker processes.
func (rt *Runtime) Close() error {
	if rt.pool != nil {
		rt.pool.close()
	}
	return nil
}

func (rt *Runtime) workers() (*pool, error) {
	rt.poolOnce.Do(func() { rt.pool, rt.poolErr = newPool(rt.opts) })
	return rt.pool, rt.poolErr
}

// Load compiles src (once per distinct source), runs its top level, and
// describes the functions it defines.
func (rt *Runtime) Load(ctx context.Context, src Source) (*Module, error) {
	if rt.opts.Isolation == InProcess {
		return detached(ctx, rt, func() (*Module, error) { return rt.eng.load(ctx, rt.opts.Limits, src) })
	}
	resp, err := rt.remote(ctx, &wireRequest{Op: "load", Tool: src})
	if err != nil {
		return nil, err
	}
	return resp.Module, nil
}

// Call loads src and calls its function fn with JSON-like arguments (see
// ToStarlark); the result is JSON-like (see FromStarlark).
func (rt *Runtime) Call(ctx context.Context, src Source, fn string, args []any, kwargs map[string]any) (*Result, error) {
	if rt.opts.Isolation == InProcess {
		return detached(ctx, rt, func() (*Result, error) { return rt.eng.call(ctx, rt.opts.Limits, src, fn, args, kwargs) })
	}
	// Arguments cross the pipe in their canonical JSON-like form
	// (json.Number, int, []string… become int64, float64, []any…).
	wargs := make([]any, len(args))
	for i, a := range args {
		v, err := canonical(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		wargs[i] = v
	}
	var wkw map[string]any
	if kwargs != nil {
		wkw = make(map[string]any, len(kwargs))
		for k, a := range kwargs {
			v, err := canonical(a)
			if err != nil {
				return nil, fmt.Errorf("argument %s: %w", k, err)
			}
			wkw[k] = v
		}
	}
	resp, err := rt.remote(ctx, &wireRequest{Op: "call", Tool: src, Fn: fn, Args: wargs, Kwargs: wkw})
	if err != nil {
		return nil, err
	}
	return resp.Result, nil
}

// Exec loads tool, then runs snippet as a module that sees the tool's
// globals, and returns the snippet's globals.
func (rt *Runtime) Exec(ctx context.Context, tool, snippet Source) (*ExecResult, error) {
	if rt.opts.Isolation == InProcess {
		return detached(ctx, rt, func() (*ExecResult, error) { return rt.eng.exec(ctx, rt.opts.Limits, tool, snippet) })
	}
	resp, err := rt.remote(ctx, &wireRequest{Op: "exec", Tool: tool, Snippet: snippet})
	if err != nil {
		return nil, err
	}
	return resp.Exec, nil
}

// detached runs an in-process call on a goroutine of its own and waits for
// it no longer than its time limit and grace (or, once ctx is done, the
// grace): the interpreter checks for cancellation only between two
// instructions, and a single operation inside it (hashing a deeply shared
// tuple, multiplying two huge integers) can run far past any limit. Such a
// call is left to finish in the background, already cancelled, and the
// caller gets the limit error on time. Subprocess isolation kills the
// worker instead, which also frees its CPU and memory.
//
// The result crosses a channel: a call given up on writes nothing the
// caller reads.
func detached[T any](ctx context.Context, rt *Runtime, run func() (T, error)) (T, error) {
	type outcome struct {
		v   T
		err error
	}
	done := make(chan outcome, 1)
	rt.runners.do(func() {
		v, err := run()
		done <- outcome{v, err}
	})
	timeout := rt.opts.Limits.Timeout
	t := time.NewTimer(timeout + grace(timeout))
	defer t.Stop()
	var zero T
	select {
	case o := <-done:
		return o.v, o.err
	case <-t.C:
		rt.abandoned.Add(1)
		return zero, &LimitError{Limit: "time", Max: timeout.String()}
	case <-ctx.Done():
	}
	t.Reset(grace(timeout))
	select {
	case o := <-done:
		return o.v, o.err
	case <-t.C:
		rt.abandoned.Add(1)
		return zero, ctx.Err()
	}
}

func (rt *Runtime) remote(ctx context.Context, req *wireRequest) (*wireResponse, error) {
	p, err := rt.workers()
	if err != nil {
		return nil, err
	}
	req.Limits = rt.opts.Limits
	req.Dialect, req.Modules = rt.opts.Dialect, rt.modNames
	req.Deadline, _ = ctx.Deadline()
	resp, err := p.do(ctx, req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Limit != nil:
		return nil, resp.Limit
	case resp.Program != nil:
		return nil, resp.Program
	case resp.Err != "":
		return nil, fmt.Errorf("%s", resp.Err)
	}
	return resp, nil
}

// canonical converts a Go value that ToStarlark accepts into the JSON-like
// form FromStarlark returns.
func canonical(v any) (any, error) {
	sv, err := ToStarlark(v)
	if err != nil {
		return nil, err
	}
	return FromStarlark(sv)
}

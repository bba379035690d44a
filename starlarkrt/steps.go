package starlarkrt

import (
	"strconv"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// stateKey is the thread-local key of a call's *callState.
const stateKey = "latm.call"

// callState is what builtins need to know about the call they run in.
type callState struct {
	maxSteps uint64
	// stop holds the *LimitError that ended the call early (time, memory,
	// depth, output), set by whichever guard noticed first.
	stop atomic.Pointer[LimitError]
	// ctxErr holds the error of the caller's context once it is done.
	ctxErr atomic.Pointer[error]
	// peak is the largest heap growth the memory guard saw.
	peak atomic.Int64
}

// cancel stops the call because its caller gave up.
func (cs *callState) cancel(thread *starlark.Thread, err error) {
	if cs.ctxErr.CompareAndSwap(nil, &err) {
		thread.Cancel(err.Error())
	}
}

// halt records why the call must stop (the first reason wins) and cancels
// the thread, which the interpreter notices before its next instruction.
func (cs *callState) halt(thread *starlark.Thread, e *LimitError) {
	if cs.stop.CompareAndSwap(nil, e) {
		thread.Cancel(e.Error())
	}
}

// chargeSteps counts n units of work done inside a builtin (one per element
// visited, say) against the thread's step limit, and returns a *LimitError
// once the limit is passed or the call has been stopped for another reason
// (time, memory). Builtins that loop call it and return its error.
func chargeSteps(thread *starlark.Thread, n uint64) error {
	thread.Steps += n
	cs, _ := thread.Local(stateKey).(*callState)
	if cs == nil {
		return nil
	}
	if e := cs.stop.Load(); e != nil {
		return e
	}
	if e := cs.ctxErr.Load(); e != nil {
		return *e
	}
	if cs.maxSteps > 0 && thread.Steps >= cs.maxSteps {
		e := &LimitError{Limit: "steps", Max: strconv.FormatUint(cs.maxSteps, 10)}
		cs.halt(thread, e)
		return cs.stop.Load()
	}
	return nil
}

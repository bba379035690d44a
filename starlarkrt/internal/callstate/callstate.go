// Package callstate is what Go code running inside a sandboxed Starlark call
// needs to know about that call: how much work it may still do, whether it
// has been stopped, and how to charge the work a builtin does in Go.
//
// The runtime attaches a *State to every thread it runs (Attach); the
// interpreter counts one step per bytecode instruction, but a builtin that
// loops in Go is invisible to it, so every such builtin charges its own work:
//
//	// in a module package, starlarkrt/lib/<name>:
//	func count(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
//		...
//		for _, x := range elems {
//			if err := callstate.ChargeSteps(thread, 1); err != nil {
//				return nil, err // a *LimitError, or the caller's context error
//			}
//			...
//		}
//	}
//
// The rules a module author follows:
//   - One step per element visited, per comparison, per callback made
//     (ChargeSteps), and one per 64 bytes of input scanned (ChargeBytes).
//     Iterate and Collect walk any iterable (strings by character) and charge
//     one step per element for you.
//   - Before building a result whose size depends on the arguments (a
//     repeated string, a joined list, a product of iterables, a big integer),
//     charge its size in bytes with ChargeAlloc: it fails with a memory limit
//     error before the allocation is made, which is the only way a single
//     large allocation can be refused (the runtime's heap sampling is too
//     slow to see it).
//   - Recursion over a value (printing, hashing, encoding nested data) goes
//     no deeper than MaxNesting, failing with a depth limit error.
//   - Return the error ChargeSteps gives you unchanged: it is how the call's
//     time limit, step limit and cancellation reach a running builtin.
//
// On a thread without a State (a test's bare thread) the charges only count
// steps on thread.Steps and never fail.
package callstate

import (
	"fmt"
	"strconv"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// key is the thread-local key of a call's *State.
const key = "latm.call"

// MaxNesting bounds how deeply a builtin may recurse into nested values
// (JSON text, lists of lists printed or hashed); far below what the Go
// stack could not hold.
const MaxNesting = 1000

// LimitError reports that a program exceeded one of its limits.
type LimitError struct {
	Limit string // "steps", "time", "depth", "memory", "output", "result"
	Max   string // the limit's value, human readable ("10000000", "2s", "256MB")
}

func (e *LimitError) Error() string { return "limit exceeded: " + e.Limit + " (max " + e.Max + ")" }

// State is the per-call state kept in a thread's locals.
type State struct {
	// MaxSteps is the call's step limit (0: none).
	MaxSteps uint64
	// MaxMemory is the heap growth the call may make, in bytes (0: none).
	MaxMemory int64
	// Growth, when set, estimates the call's heap growth so far in bytes;
	// ChargeAlloc adds a new allocation to it.
	Growth func() int64

	// stop holds why the call was stopped early: a limit (time, memory,
	// depth, output) or the caller's context. The first reason wins, so a
	// cancel that lands before the time limit is reported as the cancel.
	stop atomic.Pointer[reason]
	// peak is the largest heap growth the memory guard saw.
	peak atomic.Int64
}

// Attach makes st the state of calls on thread.
func Attach(thread *starlark.Thread, st *State) { thread.SetLocal(key, st) }

// Of returns the state attached to thread, or nil.
func Of(thread *starlark.Thread) *State {
	st, _ := thread.Local(key).(*State)
	return st
}

// reason is why a call stopped: exactly one of the fields is set.
type reason struct {
	limit *LimitError
	ctx   error
}

// Cancel stops the call because its caller gave up with err, unless it was
// already stopped for another reason.
func (st *State) Cancel(thread *starlark.Thread, err error) {
	if st.stop.CompareAndSwap(nil, &reason{ctx: err}) {
		thread.Cancel(err.Error())
	}
}

// Halt records why the call must stop (the first reason wins) and cancels
// the thread, which the interpreter notices before its next instruction
// and a builtin at its next charge.
func (st *State) Halt(thread *starlark.Thread, e *LimitError) {
	if st.stop.CompareAndSwap(nil, &reason{limit: e}) {
		thread.Cancel(e.Error())
	}
}

// Err returns why the call was stopped: its *LimitError, the caller's
// context error, or nil while it may go on.
func (st *State) Err() error {
	r := st.stop.Load()
	switch {
	case r == nil:
		return nil
	case r.limit != nil:
		return r.limit
	}
	return r.ctx
}

// Limit returns the *LimitError that stopped the call, or nil.
func (st *State) Limit() *LimitError {
	if r := st.stop.Load(); r != nil {
		return r.limit
	}
	return nil
}

// CtxErr returns the caller's context error that stopped the call, or nil.
func (st *State) CtxErr() error {
	if r := st.stop.Load(); r != nil {
		return r.ctx
	}
	return nil
}

// NotePeak records a heap growth sample; Peak returns the largest.
func (st *State) NotePeak(grown int64) {
	for {
		p := st.peak.Load()
		if grown <= p || st.peak.CompareAndSwap(p, grown) {
			return
		}
	}
}

// Peak returns the largest heap growth noted.
func (st *State) Peak() int64 { return st.peak.Load() }

// ChargeSteps counts n units of work done inside a builtin against the
// thread's step limit, and returns a *LimitError once the limit is passed,
// or the reason the call was stopped for another reason (time, memory, the
// caller's context). Builtins that loop call it and return its error.
func ChargeSteps(thread *starlark.Thread, n uint64) error {
	thread.Steps += n
	st := Of(thread)
	if st == nil {
		return nil
	}
	if err := st.Err(); err != nil {
		return err
	}
	if st.MaxSteps > 0 && thread.Steps >= st.MaxSteps {
		st.Halt(thread, &LimitError{Limit: "steps", Max: strconv.FormatUint(st.MaxSteps, 10)})
		return st.Err()
	}
	return nil
}

// ChargeBytes charges one step per 64 bytes (at least one) of input a
// builtin processes.
func ChargeBytes(thread *starlark.Thread, n int) error {
	if n < 0 {
		n = 0
	}
	return ChargeSteps(thread, uint64(n/64+1))
}

// ChargeAlloc is called before a builtin allocates a result of n bytes
// (n may be an estimate from the arguments; compute it without
// overflowing, e.g. with Mul). It fails with a memory *LimitError when the
// allocation would take the call past its memory limit, and otherwise
// charges the bytes as work (ChargeBytes), since filling them takes time.
func ChargeAlloc(thread *starlark.Thread, n int64) error {
	if err := CheckAlloc(thread, n); err != nil {
		return err
	}
	if n > 1<<40 {
		n = 1 << 40
	}
	return ChargeBytes(thread, int(n))
}

// CheckAlloc is ChargeAlloc without charging the bytes as work: for a
// builtin that grows a result as it goes and has charged its work already.
func CheckAlloc(thread *starlark.Thread, n int64) error {
	st := Of(thread)
	if st == nil || st.MaxMemory <= 0 || n <= 0 {
		return nil
	}
	var grown int64
	if st.Growth != nil {
		grown = max(st.Growth(), 0)
	}
	if n > st.MaxMemory-grown {
		st.Halt(thread, &LimitError{Limit: "memory", Max: FormatSize(st.MaxMemory)})
		return st.Err()
	}
	return nil
}

// StepsLeft returns how many steps the call may still take, and false
// when it has no step limit.
func StepsLeft(thread *starlark.Thread) (uint64, bool) {
	st := Of(thread)
	if st == nil || st.MaxSteps == 0 {
		return 0, false
	}
	if thread.Steps >= st.MaxSteps {
		return 0, true
	}
	return st.MaxSteps - thread.Steps, true
}

// Mul returns a·b, saturating at 1<<62 instead of overflowing; for sizes
// given to ChargeAlloc.
func Mul(a, b int64) int64 {
	const top = 1 << 62
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > top/b {
		return top
	}
	return a * b
}

// FormatSize renders a byte count the way the config spells it: 256MB.
func FormatSize(n int64) string {
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

// DepthError is the error of a builtin that recursed deeper than
// MaxNesting into a value.
func DepthError() *LimitError {
	return &LimitError{Limit: "depth", Max: strconv.Itoa(MaxNesting)}
}

// Iterate calls fn on each element of an iterable, charging one step per
// element. Strings iterate over their characters, as in Python. fname
// names the builtin in the error for a value that is not iterable.
func Iterate(thread *starlark.Thread, fname string, v starlark.Value, fn func(starlark.Value) error) error {
	if s, ok := v.(starlark.String); ok {
		v = Chars(string(s))
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return fmt.Errorf("%s: got %s, want an iterable (list, tuple, string, range, dict, set)", fname, v.Type())
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		if err := ChargeSteps(thread, 1); err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	if err, ok := iter.(interface{ Err() error }); ok {
		if e := err.Err(); e != nil {
			return e
		}
	}
	return nil
}

// Collect returns the elements of an iterable as a slice, charging one step
// per element.
func Collect(thread *starlark.Thread, fname string, v starlark.Value) ([]starlark.Value, error) {
	var out []starlark.Value
	if l, ok := v.(starlark.Sequence); ok {
		out = make([]starlark.Value, 0, l.Len())
	}
	err := Iterate(thread, fname, v, func(x starlark.Value) error {
		out = append(out, x)
		return nil
	})
	return out, err
}

// Chars returns the characters (code points) of s as one-character strings.
func Chars(s string) starlark.Tuple {
	out := make(starlark.Tuple, 0, len(s))
	for _, r := range s {
		out = append(out, starlark.String(string(r)))
	}
	return out
}

// Builtin is the signature of a Go function exposed to Starlark.
type Builtin = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// Package starlarkrt is the sandbox every tool and every model-written call
// runs in: Starlark (go.starlark.net) with a Python-tolerant dialect,
// deterministic modules (math, json, re, itertools, datetime) and hard
// limits on steps, wall-clock time, call depth, memory, printed output and
// result size.
//
// A Runtime compiles each source once and caches its frozen globals, so a
// call costs one thread and one function call. With Subprocess isolation
// (what latm uses) calls run in long-lived worker processes of the same
// binary under an OS memory limit, because go.starlark.net cannot bound a
// single huge allocation; a program that exhausts a worker kills only the
// worker, and the call reports the limit. Programs that embed the runtime
// call RunWorkerIfRequested first in main, or point Options.WorkerPath at
// internal/sandboxworker.
//
// The host chooses what programs see (Options): the dialect (Python, the
// default, or plain Starlark) and the modules, by default StandardModules,
// each a package of its own under lib/ (as go.starlark.net's lib/*). Go
// code that runs inside a call — a module's builtins — charges the work it
// does and the memory it is about to allocate through internal/callstate,
// which is how the step, time and memory limits reach a running builtin.
//
// In process, the time limit always returns control to the caller: a call
// runs on a goroutine of its own, and one that an uninterruptible operation
// keeps past its limit and grace is left to finish in the background,
// already cancelled. Nesting that would exhaust the Go stack (in the source,
// in JSON text, in a value printed) is a depth limit error.
//
// Errors are typed: a *LimitError names the limit and its value; a
// *ProgramError carries the file, line, column, source line and, for
// common Python-isms, a hint on what to write instead — fit to be fed back
// to a model. dialect.go documents the Python tolerance and why each of
// its rewrites leaves valid Starlark unchanged.
package starlarkrt

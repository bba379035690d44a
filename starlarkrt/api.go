package starlarkrt

// CONTRACT FILE — the types and signatures other packages build against.
// The starlarkrt owner fills in the bodies and may move these declarations
// into other files of the package, but must keep the names and shapes
// (add fields and methods freely; do not rename or remove without telling
// the coordinator).

import (
	"context"
	"errors"
	"time"
)

// Limits bounds one call or execution. Zero fields mean "use the default".
type Limits struct {
	MaxSteps  uint64        // bytecode steps (and counted builtin work) per call
	Timeout   time.Duration // wall-clock time per call
	MaxDepth  int           // Starlark call-stack depth
	MaxMemory int64         // bytes of heap the program may grow
	MaxOutput int           // bytes of print output kept; more is a limit error
	MaxResult int           // bytes of the JSON-encoded result
}

// Isolation says where programs run.
type Isolation int

const (
	// InProcess runs programs on goroutines of the calling process.
	InProcess Isolation = iota
	// Subprocess runs programs in worker processes of the same binary under
	// OS resource limits; see RunWorkerIfRequested.
	Subprocess
)

// Options configure a Runtime.
type Options struct {
	Limits    Limits
	Isolation Isolation
	Workers   int // worker processes for Subprocess (0: GOMAXPROCS)
}

// Source is a named piece of Starlark (or Python-flavoured) code. Name is
// the file name used in error messages, e.g. "word_sorting@2.star".
type Source struct {
	Name string
	Code string
}

// Stats describe what a call consumed.
type Stats struct {
	Steps      uint64
	Wall       time.Duration
	PeakMemory int64 // bytes; 0 if not measured
}

// Result is the outcome of Call. Value is JSON-like: nil, bool, int64 or
// *big.Int, float64, string, []any, map[string]any.
type Result struct {
	Value  any
	Output string // captured print output
	Stats  Stats
}

// ExecResult is the outcome of Exec: the snippet's own global variables,
// converted to JSON-like values (those that cannot be converted are left
// out), and Order, the names in the order the snippet first assigns them.
type ExecResult struct {
	Globals map[string]any
	Order   []string
	Output  string
	Stats   Stats
}

// Function describes a function a module defines.
type Function struct {
	Name   string
	Params []string
	Doc    string
}

// Module describes a loaded tool source.
type Module struct {
	Functions []Function
}

// LimitError reports that a program exceeded one of its Limits.
type LimitError struct {
	Limit string // "steps", "time", "depth", "memory", "output", "result"
	Max   string // the limit's value, human readable ("10000000", "2s", "256MB")
}

func (e *LimitError) Error() string { return "limit exceeded: " + e.Limit + " (max " + e.Max + ")" }

// ProgramError is a syntax or runtime error in the program, positioned and
// with a hint for common Python-isms, fit to be fed back to a model.
type ProgramError struct {
	Phase      string // "syntax" or "runtime"
	File       string
	Line, Col  int
	Msg        string
	SourceLine string
	Hint       string
	Backtrace  string
}

func (e *ProgramError) Error() string { return e.Msg }

var errTODO = errors.New("starlarkrt: not implemented yet")

// Runtime compiles, caches and runs programs under limits. It is safe for
// concurrent use.
type Runtime struct {
	opts Options
}

// New returns a Runtime.
func New(opts Options) *Runtime { return &Runtime{opts: opts} }

// Close stops any worker processes.
func (rt *Runtime) Close() error { return nil }

// Load compiles src (once per distinct source), runs its top level, and
// describes the functions it defines.
func (rt *Runtime) Load(ctx context.Context, src Source) (*Module, error) { return nil, errTODO }

// Call loads src and calls its function fn with JSON-like arguments.
func (rt *Runtime) Call(ctx context.Context, src Source, fn string, args []any, kwargs map[string]any) (*Result, error) {
	return nil, errTODO
}

// Exec loads tool, then runs snippet as a module that sees the tool's
// globals, and returns the snippet's globals.
func (rt *Runtime) Exec(ctx context.Context, tool, snippet Source) (*ExecResult, error) {
	return nil, errTODO
}

// RunWorkerIfRequested must be called first in main (and in TestMain of any
// test binary that uses Subprocess isolation). In a process started as a
// sandbox worker it serves requests and exits; otherwise it returns at once.
func RunWorkerIfRequested() {}

package starlarkrt

import (
	"fmt"
	"strings"
	"time"

	"go.starlark.net/starlarkstruct"
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
	// WorkerPath is the program started as a worker: by default this
	// process's own executable, whose main must call RunWorkerIfRequested
	// first (latm's does). starlarkrt/internal/sandboxworker is a bare one.
	WorkerPath string
	// Dialect is the language programs are written in (default Python).
	Dialect Dialect
	// Modules are the modules programs may use, by the name they import
	// (Python) or see predeclared (Starlark). Nil means StandardModules();
	// an empty map, none. In process any module value works (one of
	// go.starlark.net's lib/*, or the host's own); in Subprocess isolation
	// each must be the standard module of its name, since a worker process
	// builds its own.
	Modules map[string]*starlarkstruct.Module
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

// Error renders the error as a model or a person should read it:
//
//	tool.star:3:9: syntax error: got '**', want primary expression
//	    return a ** b
//	hint: Starlark has no ** operator; write pow(a, b)
func (e *ProgramError) Error() string {
	var b strings.Builder
	if e.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	}
	if e.Phase == "syntax" {
		b.WriteString("syntax error: ")
	}
	b.WriteString(e.Msg)
	if e.SourceLine != "" {
		b.WriteString("\n    ")
		b.WriteString(strings.TrimSpace(e.SourceLine))
	}
	if e.Hint != "" {
		b.WriteString("\nhint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

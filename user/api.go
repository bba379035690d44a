package user

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// AnswerVar and FinalAnswer live in answer.go; the post-processing itself
// is package answer's.

// Instance is one question to solve. ID and Batch identify it for resuming
// (both may be empty for a one-off solve).
type Instance struct {
	ID       string
	Batch    string
	Question string
}

// Recorder keeps the runs a Solver makes. *library.Store implements it.
type Recorder interface {
	RecordRun(ctx context.Context, r *tool.Run) error
}

// Solver answers instances with a tool: the user model writes a call, the
// sandbox runs it, the answer is post-processed, and the run is recorded.
type Solver struct {
	LLM     *llm.Client
	Runtime *starlarkrt.Runtime
	Prompts *prompts.Set
	Store   Recorder // may be nil: runs are then not recorded
	Retries int      // retries after a sandbox error, with the error fed back
	// Template lets an instance be answered with no model call, each way
	// behind its guards: through the tool's parser (parse.go), or when the
	// tool's usage examples show its call code is a template of the
	// question (template.go).
	Template bool
	// Call is how the user model is asked: CallCode (or ""), CallJSON or
	// CallAuto (structured.go). A tool with no argument schema is always
	// called with code.
	Call string
	// JSONVia is how a JSON call's arguments are asked for: an
	// llm.JSONVia* way ("" is auto: a forced function call, else
	// response_format json_schema, else a fenced block).
	JSONVia string
	// Shadow is how many answers of each no-model path of a tool version
	// the user model must confirm before that path answers alone
	// (guard_shadow.go); 0 checks none. Configurations default to
	// DefaultShadow.
	Shadow int
	// Shadows keeps the shadow checks; nil keeps them in this Solver's
	// memory only. *library.Store implements it.
	Shadows ShadowStore

	verdicts sync.Map           // tool ref and source → whether it earns the template path, its parser, its schema
	learning singleflight.Group // the verdicts being learned (verdict.go)
	memOnce  sync.Once
	mem      *memShadows
}

// Solve (solve.go) answers one instance with a tool.

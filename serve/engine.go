package serve

import (
	"context"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// Engine is what the server needs of latm's method: the three calls that
// may reach a model or the sandbox, the library of tools and the records.
// Local implements it over the packages below; every front end calls the
// same API, and the server holds no pipeline logic of its own.
type Engine interface {
	Solver
	Library
	Records
}

// Solver answers questions, runs tools and makes them.
type Solver interface {
	// Solve answers one question with the given tool, or routes it when
	// req.Tool is empty. A failed answer is a result with OK false; the
	// error is for the machinery (model endpoint down, store broken).
	Solve(ctx context.Context, req SolveRequest) (*SolveResult, error)
	// Call runs the active (or the given) version of a tool directly in the
	// sandbox, with no model. A program or limit error is a result.
	Call(ctx context.Context, req CallRequest) (*CallResult, error)
	// Make has the maker model write and verify a tool from solved
	// examples, and saves it.
	Make(ctx context.Context, req MakeRequest) (*tool.Tool, error)
}

// Library reads and changes the tools.
type Library interface {
	Tools(ctx context.Context, all bool) ([]*tool.Tool, error)
	Tool(ctx context.Context, name string, version int) (*tool.Tool, error)
	ToolVersions(ctx context.Context, name string) ([]*tool.Tool, error)
	Stats(ctx context.Context, name string) (library.ToolStats, error)
	// Shadow says where the version's shadow checks stand and how many
	// each no-model path needs (solve.shadow).
	Shadow(ctx context.Context, t *tool.Tool) (ToolShadow, error)
	// SetActive retires (active false) or reactivates a version, or
	// every version for 0.
	SetActive(ctx context.Context, name string, version int, active bool) error
	Search(ctx context.Context, query string, limit int) ([]tool.SearchHit, error)
	// Import checks a tool package's usage examples in the sandbox and
	// saves it as the next version of its name.
	Import(ctx context.Context, pkg []byte) (*tool.Tool, error)
	// Changed is closed when the library changes after it was called:
	// a front end that mirrors the tools (MCP) waits on it.
	Changed() <-chan struct{}
}

// ToolShadow is where a tool version's shadow checks stand: N answers of
// each no-model path are confirmed by the user model before the path
// answers alone; Off is the disagreement that turned them off.
type ToolShadow struct {
	N int `json:"n"`
	tool.ShadowState
}

// Records reads what was run and spent, and labels pending instances.
type Records interface {
	Runs(ctx context.Context, f library.RunFilter) ([]*tool.Run, error)
	BatchRuns(ctx context.Context, batch string) (map[string]*tool.Run, error)
	Pending(ctx context.Context) ([]*tool.Pending, error)
	Label(ctx context.Context, instanceID, answer string) error
	Cost(ctx context.Context, by string) ([]library.CostRow, error)
	// Ready reports whether the engine can serve: the store answers.
	Ready(ctx context.Context) error
}

// Answer paths: how the answer was reached.
const (
	PathNoModel     = "no-model"     // a guarded shortcut ran the tool with no model call
	PathUserModel   = "user-model"   // the user model wrote the tool call
	PathStrongModel = "strong-model" // no tool fits: the strong model answered directly
	PathNone        = "none"         // no answer (pending for a person, or failed)
)

// SolveRequest is one question.
type SolveRequest struct {
	Question string
	Tool     string // "" to route; NAME or NAME@N
	Batch    string // groups runs for resuming; "" for a one-off
	ID       string // the instance id within Batch; "" gets a fresh one
	// Tenant scopes a question that names no tool: it is routed only to
	// the operator's tools and the tenant's own (every tenant's with
	// Share), and pooled as the tenant's when no tool fits. "" is the
	// operator, routed as the engine's dispatcher routes.
	Tenant string
	Share  bool
}

// Guard is one decision of a guard that allowed or refused a shortcut.
type Guard struct {
	Name     string `json:"name"`
	Decision string `json:"decision"` // "allowed" or "refused"
	Reason   string `json:"reason"`
}

// SolveResult is what answering one question did.
type SolveResult struct {
	RunID      int64   `json:"run_id,omitempty"`
	Batch      string  `json:"batch,omitempty"`
	ID         string  `json:"id"`
	Status     string  `json:"status"` // solved, pending or error
	OK         bool    `json:"ok"`
	Answer     string  `json:"answer"`
	Tool       string  `json:"tool,omitempty"` // name@version
	Path       string  `json:"path"`
	Stage      int     `json:"stage"` // routing stage: 0 tool given, 1 no model, 2 dispatcher model
	Guards     []Guard `json:"guards"`
	ModelCalls int     `json:"model_calls"`
	TokensIn   int     `json:"tokens_in"`
	TokensOut  int     `json:"tokens_out"`
	Cost       float64 `json:"cost"`
	Code       string  `json:"code,omitempty"` // the tool call that ran
	Error      string  `json:"error,omitempty"`
	Group      int64   `json:"group,omitempty"` // pending group of an unknown task
	LatencyMS  float64 `json:"latency_ms"`
}

// CallRequest is a direct call of a tool.
type CallRequest struct {
	Tool   string         // NAME or NAME@N
	Args   []any          // positional arguments
	Kwargs map[string]any // keyword arguments
}

// CallResult is what a direct call returned. A program or limit error
// sets Error (and LimitHit for a limit), not the error return.
type CallResult struct {
	Tool      string  `json:"tool"`
	OK        bool    `json:"ok"`
	Value     any     `json:"value"`
	Output    string  `json:"output,omitempty"`
	Error     string  `json:"error,omitempty"`
	LimitHit  string  `json:"limit,omitempty"` // steps, time, depth, memory, output or result
	Steps     uint64  `json:"steps"`
	LatencyMS float64 `json:"latency_ms"`
}

// MakeRequest asks for a tool.
type MakeRequest struct {
	Name        string
	Description string
	Examples    []tool.Example
	Train       int // 0: the configured default
	Valid       int
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package library

// CONTRACT FILE — the domain types and Store methods other packages build
// against. The library owner fills in the bodies and may move declarations
// into other files, but keeps names and shapes (add freely; tell the
// coordinator before renaming or removing).

import (
	"context"
	"errors"
	"time"
)

// Tool statuses.
const (
	StatusActive  = "active"
	StatusRetired = "retired"
)

// Example is a solved instance of a task.
type Example struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// UsageExample shows the tool user how to call a tool: a question, the
// call code that assigns `ans`, and the answer that code produced.
type UsageExample struct {
	Question string `json:"question"`
	Code     string `json:"code"`
	Answer   string `json:"answer"`
}

// Message is one message of a making transcript.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Validation records how one example fared when the tool was checked.
type Validation struct {
	Question string `json:"question"`
	Want     string `json:"want"`
	Got      string `json:"got"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

// Tool is one version of a tool.
type Tool struct {
	ID          int64
	Name        string
	Version     int // assigned by SaveTool: 1 + the highest existing version
	Status      string
	Description string
	Source      string // Starlark
	Entry       string // the entry function's name
	Signature   string // e.g. "sort_words(words)"
	Examples    []UsageExample
	Validation  []Validation
	MakerModel  string
	CreatedAt   time.Time
	Transcript  []Message
}

// Ref renders "name@version".
func (t *Tool) Ref() string { return ToolRef(t.Name, t.Version) }

// Run is one solved (or failed) instance.
type Run struct {
	ID          int64
	Batch       string // what groups runs for resuming: a batch or stream key
	InputID     string // the instance's id within the batch
	Question    string
	ToolName    string
	ToolVersion int
	Code        string // the call code the user model wrote
	RawResult   string // JSON of `ans` as the program produced it
	Answer      string // the post-processed final answer
	OK          bool
	Error       string
	Latency     time.Duration
	CreatedAt   time.Time
}

// ModelCall is one row of the LLM-call ledger.
type ModelCall struct {
	ID        int64
	Role      string
	Model     string
	Endpoint  string
	Tool      string // the tool the call was for, if any
	TokensIn  int
	TokensOut int
	Estimated bool // token counts estimated, not reported by the server
	Cost      float64
	Latency   time.Duration
	Status    string // "ok" or the error
	CacheHit  bool
	CreatedAt time.Time
}

// Pending is an instance of an unknown task waiting for a tool.
type Pending struct {
	ID          int64
	InstanceID  string
	Question    string
	Label       string // the answer, if known
	LabelSource string // "input", "human" or "model"
	Group       int64  // candidate new task; 0 if not grouped yet
	Status      string // "pending", "solved"
	CreatedAt   time.Time
}

// Route records one routing decision of the dispatcher.
type Route struct {
	ID         int64
	Batch      string
	InputID    string
	Question   string
	Tool       string // "" for unknown
	Stage      int    // 1: no model; 2: dispatcher model
	Score      float64
	CreatedAt  time.Time
}

// SearchHit is one result of a full-text search over tools.
type SearchHit struct {
	Name    string
	Version int
	Score   float64 // higher is better
}

// ErrNotFound is returned (wrapped) when a tool, run or instance is missing.
var ErrNotFound = errors.New("not found")

// ToolRef renders "name@version"; version 0 renders just the name.
func ToolRef(name string, version int) string { panic("todo") }

// ParseRef splits "name" or "name@3"; version 0 means the newest active.
func ParseRef(ref string) (name string, version int, err error) { panic("todo") }

// Store is the SQLite file that holds all of latm's state. Safe for
// concurrent use; several processes may open the same file.
type Store struct{}

// Open opens (creating it on first use) and migrates the database at path.
func Open(path string) (*Store, error) { panic("todo") }

func (s *Store) Close() error { panic("todo") }

// SaveTool stores t as a new version of t.Name, in one transaction, and sets
// t.ID, t.Version and t.CreatedAt.
func (s *Store) SaveTool(ctx context.Context, t *Tool) error { panic("todo") }

// Tool returns the given version, or the newest active one for version 0.
func (s *Store) Tool(ctx context.Context, name string, version int) (*Tool, error) { panic("todo") }

// Tools returns the newest active version of every tool (all versions, retired
// too, if all is set), ordered by name then version.
func (s *Store) Tools(ctx context.Context, all bool) ([]*Tool, error) { panic("todo") }

// RetireTool marks a version (every version, for 0) retired.
func (s *Store) RetireTool(ctx context.Context, name string, version int) error { panic("todo") }

// PurgeTool deletes a version (every version, for 0).
func (s *Store) PurgeTool(ctx context.Context, name string, version int) error { panic("todo") }

// SearchTools ranks active tools by full-text match of query against names,
// descriptions and usage-example questions.
func (s *Store) SearchTools(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	panic("todo")
}

// RecordRun stores a run (replacing an earlier one with the same Batch and
// InputID) and sets r.ID.
func (s *Store) RecordRun(ctx context.Context, r *Run) error { panic("todo") }

// Runs returns the runs of a batch, keyed by InputID.
func (s *Store) Runs(ctx context.Context, batch string) (map[string]*Run, error) { panic("todo") }

// RecordCall appends a row to the LLM-call ledger.
func (s *Store) RecordCall(ctx context.Context, c *ModelCall) error { panic("todo") }

// CacheGet and CachePut hold the LLM response cache.
func (s *Store) CacheGet(ctx context.Context, key string) ([]byte, bool, error) { panic("todo") }
func (s *Store) CachePut(ctx context.Context, key string, value []byte) error  { panic("todo") }

// AddPending stores an instance of an unknown task and sets p.ID. Adding an
// InstanceID that is already pending is a no-op that fills p from the store.
func (s *Store) AddPending(ctx context.Context, p *Pending) error { panic("todo") }

// PendingInstances returns pending (unsolved) instances, all of them for
// group < 0, or those of one group (0: not grouped yet).
func (s *Store) PendingInstances(ctx context.Context, group int64) ([]*Pending, error) {
	panic("todo")
}

// SetPendingGroup assigns an instance to a candidate new task.
func (s *Store) SetPendingGroup(ctx context.Context, id, group int64) error { panic("todo") }

// LabelPending sets the label of the pending instance with that InstanceID.
func (s *Store) LabelPending(ctx context.Context, instanceID, label, source string) error {
	panic("todo")
}

// MarkPendingSolved marks an instance solved (it stays for audit).
func (s *Store) MarkPendingSolved(ctx context.Context, id int64) error { panic("todo") }

// RecordRoute stores a routing decision and sets r.ID.
func (s *Store) RecordRoute(ctx context.Context, r *Route) error { panic("todo") }

// CostRow is one line of a cost report.
type CostRow struct {
	Key       string // the role, model, tool or day
	Calls     int
	CacheHits int
	TokensIn  int
	TokensOut int
	Cost      float64
}

// CostReport sums the ledger by "role", "model", "tool" or "day".
func (s *Store) CostReport(ctx context.Context, by string) ([]CostRow, error) { panic("todo") }

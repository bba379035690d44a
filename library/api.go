// Package library owns latm's state: the domain types (tool, tool version,
// usage example, run, pending instance, routing decision, model call) and
// the one SQLite file that stores them (pure Go, modernc.org/sqlite).
//
// Invariants:
//   - A tool is a name and numbered versions, name@1, name@2, …; SaveTool
//     always adds version n+1. "The tool" is its newest active version;
//     retired and older versions stay addressable by name@n until purged.
//   - Every change that touches more than one row is one transaction, so a
//     crash leaves a tool either whole (row, usage examples, index entry)
//     or absent. Transactions take the write lock at BEGIN, so several
//     processes may write one file at once (WAL, busy timeout).
//   - The full-text index (FTS5) holds exactly the newest active version of
//     every tool name; save, retire and purge keep it so.
//   - The schema is a sequence of embedded migrations (migrations/*.sql)
//     recorded in schema_migrations. An older file is upgraded on open; a
//     newer one, a damaged one and a file that is not latm's are refused
//     and left untouched.
//   - The package never runs tools: checking a tool's usage examples is the
//     caller's job, with starlarkrt.
//
// Tool packages (EncodePackage, DecodePackage) are the portable, reviewable
// form of one tool version; package.go documents the format.
package library

import (
	"database/sql"
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
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Version     int            `json:"version"` // assigned by SaveTool: 1 + the highest existing version
	Status      string         `json:"status"`
	Description string         `json:"description"`
	Source      string         `json:"source"` // Starlark
	Entry       string         `json:"entry"`  // the entry function's name
	Signature   string         `json:"signature"`
	Examples    []UsageExample `json:"examples"`
	Validation  []Validation   `json:"validation"`
	MakerModel  string         `json:"maker_model"`
	CreatedAt   time.Time      `json:"created_at"`
	Transcript  []Message      `json:"transcript,omitempty"`
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
	ID        int64
	Batch     string
	InputID   string
	Question  string
	Tool      string // "" for unknown
	Stage     int    // 1: no model; 2: dispatcher model
	Score     float64
	CreatedAt time.Time
}

// SearchHit is one result of a full-text search over tools.
type SearchHit struct {
	Name    string
	Version int
	Score   float64 // higher is better
}

// ErrNotFound is returned (wrapped) when a tool, run or instance is missing.
var ErrNotFound = errors.New("not found")

// Store is the SQLite file that holds all of latm's state. Safe for
// concurrent use; several processes may open the same file.
type Store struct {
	db   *sql.DB
	path string
}

// CostRow is one line of a cost report.
type CostRow struct {
	Key       string  `json:"key"` // the role, model, tool or day
	Calls     int     `json:"calls"`
	CacheHits int     `json:"cache_hits"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	Cost      float64 `json:"cost"`
	Estimated int     `json:"estimated"` // calls whose token counts were estimated (the server sent no usage)
}

// The Store methods live beside the tables they touch: store.go (open,
// migrations), tools.go (tools, versions, search), records.go (runs, the
// call ledger, the response cache, the pending pool, routes, cost).

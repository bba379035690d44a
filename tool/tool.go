// Package tool holds latm's domain types: a tool and its versions, usage
// examples, validations, runs, pending instances, routing decisions and
// model calls, and the portable package format of one tool version
// (EncodePackage, DecodePackage; package.go documents the format).
//
// The package imports only the standard library, so every package that
// speaks these types (maker, user, dispatch, eval) stays free of the store:
// package library keeps them in SQLite, and is the only one that knows how.
//
// Invariants the types carry:
//   - A tool is a name (ValidateName) and numbered versions, name@1, name@2,
//     …; Ref renders a reference and ParseRef reads one, version 0 meaning
//     the newest active version.
//   - A Tool value is one version; its Examples are the usage examples the
//     tool user is shown, each with the answer its code produced.
package tool

import "time"

// Tool statuses.
const (
	StatusActive  = "active"
	StatusRetired = "retired"
)

// Run paths: how an instance was answered.
const (
	PathParser   = "parser"   // the tool's parser, no model call
	PathTemplate = "template" // a usage example's code as a template, no model call
	PathUser     = "user"     // the user model wrote the call
)

// Who wrote a tool's argument schema (Tool.ArgSchemaFrom).
const (
	SchemaFromMaker   = "maker"   // the maker model, checked against the usage examples
	SchemaFromDerived = "derived" // latm, from the signature and the usage examples' values
)

// Pending statuses.
const (
	PendingOpen   = "pending"
	PendingSolved = "solved"
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
	// Parser is Starlark defining parse(question), which returns the entry
	// function's arguments as a list; "" when the tool has none. It was
	// verified when the tool was made (parse → call → answer equals the
	// label on every training and validation example, and equals the
	// usage examples' own calls), and is still guarded at every use.
	Parser string `json:"parser,omitempty"`
	// ArgSchema is the JSON Schema of the entry's arguments as one object
	// (a property per parameter), what a JSON call is validated against
	// and what MCP publishes; "" when the tool has none stored (a JSON
	// call then derives one from the usage examples). Every usage
	// example's arguments validated against it when it was stored.
	ArgSchema string `json:"arg_schema,omitempty"`
	// ArgSchemaFrom says who wrote ArgSchema: SchemaFromMaker or
	// SchemaFromDerived ("" when there is none).
	ArgSchemaFrom string `json:"arg_schema_from,omitempty"`
	// ArgSchemaNote says why the maker's schema was refused, when it was.
	ArgSchemaNote string    `json:"arg_schema_note,omitempty"`
	MakerModel    string    `json:"maker_model"`
	CreatedAt     time.Time `json:"created_at"`
	Transcript    []Message `json:"transcript,omitempty"`
	// Tenant owns the tool: the name of the serve token whose gateway
	// traffic made it. "" is the operator's (made from the command line,
	// the API or a package) and visible to every tenant. Another tenant's
	// requests are never answered by a tool they do not own unless sharing
	// is configured, and its usage examples (which hold the owner's data)
	// are shown only to the owner.
	Tenant string `json:"tenant,omitempty"`
}

// Ref renders "name@version".
func (t *Tool) Ref() string { return Ref(t.Name, t.Version) }

// Run is one solved (or failed) instance.
type Run struct {
	ID          int64
	Batch       string // what groups runs for resuming: a batch or stream key
	InputID     string // the instance's id within the batch
	Question    string
	ToolName    string
	ToolVersion int
	Code        string // the call code that ran (the user model's, or the no-model path's)
	Path        string // how it was answered: PathParser, PathTemplate or PathUser ("" before paths were recorded)
	Guards      string // the guard decisions taken on the way, one per line
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
	LabelSource string // "input", "human", "model" or "upstream" (the gateway's upstream reply)
	Group       int64  // candidate new task; 0 if not grouped yet
	Status      string // "pending", "solved"
	CreatedAt   time.Time
	// Tenant is the serve token whose gateway traffic brought the
	// instance; "" for the operator's. Groups never mix tenants.
	Tenant string
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

package llm

// The types other packages build against. The Client lives in client.go,
// reply parsing in parse.go, the cache and record/replay files in
// exchange.go.

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// Role names who is calling.
type Role string

const (
	Maker      Role = "maker"
	User       Role = "user"
	Dispatcher Role = "dispatcher"
	Solver     Role = "solver" // the strong model answering directly, no tool
)

// Roles lists every role.
var Roles = []Role{Maker, User, Dispatcher, Solver}

// RoleConfig is how one role reaches its model.
type RoleConfig struct {
	BaseURL     string // e.g. https://api.openai.com/v1, http://localhost:11434/v1
	Model       string
	APIKeyEnv   string // name of the environment variable holding the key
	APIType     string // "openai" (default) or "azure"
	APIVersion  string // Azure only
	Temperature float32
	MaxTokens   int
	// Timeout bounds the whole call: every attempt and every wait between
	// attempts. Zero means no bound beyond the caller's context.
	Timeout time.Duration
	// ConnectTimeout bounds reaching the server (TCP connect and TLS
	// handshake) on one attempt; zero means 10s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the response header on one attempt,
	// from the moment the request is sent. A reply that is not streamed
	// arrives whole, so this also bounds the model's generation; zero
	// means 2m.
	HeaderTimeout time.Duration
	MaxRetries    int
	PriceIn       float64 // money per million input tokens
	PriceOut      float64 // money per million output tokens
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // "system", "user", "assistant"
	Content string `json:"content"`
}

// Request is one chat completion.
type Request struct {
	Role     Role
	Messages []Message
	Tool     string // the tool the call is for, for the ledger; may be empty
	NoCache  bool

	// Template names the prompt template that produced the last message
	// (e.g. "propose", "use"). It is sent as the X-Latm-Template header,
	// which endpoints ignore, so that scripted test servers and proxies
	// can tell requests apart without reading prompt wording. It is not
	// part of cache or recording keys.
	Template string

	// JSONSchema, when set, asks for a reply that is one JSON value
	// matching it, the way JSONVia says (structured.go): a forced function
	// call, response_format json_schema, or the prompt alone asking for a
	// fenced block. The reply's Content is the JSON (a function call's
	// arguments). The schema is not part of cache or recording keys: the
	// prompt that asks for JSON already differs from any other.
	JSONSchema json.RawMessage
	// JSONName names the function (and the response format): letters,
	// digits, _ and -, at most 64; "" is "arguments".
	JSONName string
	// JSONDescription describes the function to the model; may be empty.
	JSONDescription string
	// JSONVia is one of JSONViaAuto (or ""), JSONViaTools,
	// JSONViaResponseFormat, JSONViaFence.
	JSONVia string
}

// TemplateHeader is the HTTP header that carries Request.Template.
const TemplateHeader = "X-Latm-Template"

// Response is a parsed reply.
type Response struct {
	Content      string // the reply with <think> blocks removed
	Reasoning    string // what was inside <think> blocks
	FinishReason string
	// Truncated: the token limit cut the reply off (finish_reason
	// "length"). Content is still the reply as far as it got, and Chat
	// returns no error for it; the ledger records the call as truncated.
	Truncated bool
	TokensIn  int
	TokensOut int
	Estimated bool // token counts estimated: the server sent no usage
	Cost      float64
	Latency   time.Duration
	CacheHit  bool
	Model     string
	// JSONVia is the way a JSON reply was asked for over the network
	// ("" for a plain request, a cache hit or a replay).
	JSONVia string
}

// Call is what the client reports to its Ledger after every call.
type Call struct {
	Role      Role
	Model     string
	Endpoint  string
	Tool      string
	TokensIn  int
	TokensOut int
	Estimated bool
	Cost      float64
	Latency   time.Duration
	Status    string // "ok" or a short error
	CacheHit  bool
}

// Ledger records every call (the library implements it through an adapter).
type Ledger interface {
	RecordCall(ctx context.Context, c Call) error
}

// Cache stores responses by key.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// Config configures a Client.
type Config struct {
	Roles   map[Role]RoleConfig
	Ledger  Ledger // may be nil
	Cache   Cache  // may be nil
	NoCache bool
	Record  string              // JSONL file to append exchanges to
	Replay  string              // JSONL file to serve exchanges from, with no network
	Getenv  func(string) string // nil: os.Getenv

	// RetryBase is the first backoff step; each retry doubles it (full
	// jitter, capped at 30s). Zero means 500ms; tests set a millisecond.
	RetryBase time.Duration

	// Log receives one line per retry when Verbose is set (the cause and
	// the wait); otherwise one line per call that is still retrying
	// NoticeAfter after it began (zero: 5s). Nil: silent.
	Log         io.Writer
	Verbose     bool
	NoticeAfter time.Duration
}

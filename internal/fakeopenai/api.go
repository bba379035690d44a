// Package fakeopenai is a test server that speaks the OpenAI
// chat-completions wire format, scripted per test, so that tests exercise
// the real client, its retries and its parsing over real HTTP.
//
// It answers POST {URL}/chat/completions (URL includes /v1) and the Azure
// path {AzureURL}/openai/deployments/{name}/chat/completions?api-version=….
// Every request is recorded in order; scripts are tried in the order they
// were added; the Handle fallback answers the rest; anything else fails the
// test and gets a 500 naming the request. Safe for concurrent requests.
package fakeopenai

import (
	"encoding/json"
	"testing"
	"time"
)

// Request is a chat-completions request as the server received it.
type Request struct {
	Model       string
	Messages    []Message
	Temperature float32
	MaxTokens   int
	Header      map[string][]string
	// Template is the prompt template that produced the last message, as
	// the client names it in the X-Latm-Template header ("" if none).
	Template string

	Path       string // the URL path, e.g. /v1/chat/completions
	APIVersion string // the api-version query parameter (Azure)
	Deployment string // the Azure deployment name, "" on the OpenAI path
	Body       string // the raw request body
	// Stream: the client asked for server-sent events; StreamUsage: with
	// a final usage chunk (stream_options.include_usage).
	Stream      bool
	StreamUsage bool
	// Tools, ToolChoice and ResponseFormat are the request's fields of
	// those names as sent (nil when absent), for tests that assert how
	// structured output was asked for.
	Tools          json.RawMessage
	ToolChoice     json.RawMessage
	ResponseFormat json.RawMessage
}

// ToolNames returns the names of the functions the request offers as
// tools, in order.
func (r Request) ToolNames() []string {
	var tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(r.Tools, &tools) != nil {
		return nil
	}
	var out []string
	for _, t := range tools {
		out = append(out, t.Function.Name)
	}
	return out
}

// ToolCall is one function call of a scripted reply.
type ToolCall struct {
	ID        string // default "call_N"
	Name      string
	Arguments string // the arguments as the model wrote them (JSON text)
}

// Message is one message of a request.
type Message struct {
	Role    string
	Content string
}

// Last returns the content of the last message.
func (r Request) Last() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Content
}

// Reply is one scripted answer. The zero Reply beyond Content is a normal
// 200 response with finish_reason "stop" and usage estimated from lengths.
type Reply struct {
	Content      string
	FinishReason string        // default "stop"; "length" for a truncated reply
	NoUsage      bool          // omit the usage object
	PromptTokens int           // 0: computed from the request
	OutTokens    int           // 0: computed from Content
	Status       int           // non-zero and not 200: an error response
	RetryAfter   string        // Retry-After header value
	Delay        time.Duration // wait before answering (honours client cancel)
	RawBody      string        // sent verbatim instead of a JSON reply (e.g. malformed JSON)
	NoChoices    bool          // an empty choices array
	DropConn     bool          // close the connection without answering
	// ToolCalls, when set, are the reply's tool_calls (function calls);
	// finish_reason defaults to "tool_calls" and Content may stay empty
	// (sent as null).
	ToolCalls []ToolCall
}

// Match selects requests a script applies to. Empty fields match anything.
// Prefer Template to Contains: a script keyed on a template name survives
// a rewording of the prompt.
type Match struct {
	Model    string
	Template string // the template name the request was sent with
	Contains string // substring of any message content
	Func     func(Request) bool
}

// Server is a running fake endpoint.
type Server struct {
	URL      string // base URL including /v1, for a client's BaseURL
	AzureURL string // the server root, for an Azure client's BaseURL

	state
}

// New starts a server closed at the end of the test. An unscripted request
// fails the test and gets a 500 naming it.
func New(t testing.TB) *Server { return newServer(t) }

// Script queues replies for requests that match; each matching request takes
// the next reply, and the last reply repeats once the queue is spent.
// Scripts are tried in the order they were added.
func (s *Server) Script(m Match, replies ...Reply) { s.script(m, replies) }

// Handle answers every request that no script matched.
func (s *Server) Handle(f func(Request) Reply) { s.handle(f) }

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request { return s.requests() }

// Close stops the server now (it is also closed when the test ends), for
// tests that must show no request reaches the network.
func (s *Server) Close() { s.srv.Close() }

// Silent starts a TCP listener that accepts connections and never answers
// (nor closes them until the test ends), and returns its base URL: a server
// that hangs, for timeout tests. Accepted reports each accepted connection.
func Silent(t testing.TB) (url string, accepted <-chan struct{}) { return silent(t) }

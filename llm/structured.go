package llm

// Structured replies: a request with a JSONSchema asks for one JSON value
// matching it, in one of three ways, best first:
//
//   - tools: one function (Request.JSONName, parameters the schema) offered
//     as the only tool, with tool_choice forcing it; the reply is the
//     function call's arguments (tool_calls[0].function.arguments).
//   - response_format: response_format {"type": "json_schema"}; the reply
//     is the message content.
//   - fence: nothing extra is sent; the prompt asks for JSON in a fence.
//
// With JSONVia auto, a way the endpoint rejects (an HTTP 4xx whose message
// names it) is not tried again by this client: the next way is asked
// instead, at once and for every later request of the role.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Ways of asking for JSON (Request.JSONVia; config solve.json_via).
const (
	JSONViaAuto           = "auto"            // tools, else response_format, else fence
	JSONViaTools          = "tools"           // function calling, forced
	JSONViaResponseFormat = "response_format" // response_format json_schema
	JSONViaFence          = "fence"           // JSON in a fenced block, asked by the prompt alone
)

// JSONVias lists the ways, as config values.
var JSONVias = []string{JSONViaAuto, JSONViaTools, JSONViaResponseFormat, JSONViaFence}

// defaultJSONName names the function or response format when the request
// names none.
const defaultJSONName = "arguments"

// jsonWays is the order in which the ways of via are tried.
func jsonWays(via string) ([]string, error) {
	switch via {
	case "", JSONViaAuto:
		return []string{JSONViaTools, JSONViaResponseFormat, JSONViaFence}, nil
	case JSONViaTools, JSONViaResponseFormat, JSONViaFence:
		return []string{via}, nil
	}
	return nil, fmt.Errorf("llm: JSON way %q: want one of %s", via, strings.Join(JSONVias, ", "))
}

// jsonAsk is how one request asks for its reply.
type jsonAsk struct {
	way    string // "" for a plain reply, else one of the JSONVia ways
	name   string
	desc   string
	schema json.RawMessage
}

// apply sets the request fields of a's way on oreq.
func (a jsonAsk) apply(oreq *openai.ChatCompletionRequest) {
	name := a.name
	if name == "" {
		name = defaultJSONName
	}
	switch a.way {
	case JSONViaTools:
		oreq.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: name, Description: a.desc, Parameters: a.schema}}}
		oreq.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: name}}
	case JSONViaResponseFormat:
		oreq.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Description: a.desc, Schema: a.schema},
		}
	}
}

// rejects reports whether err is the endpoint refusing way: a client error
// (4xx other than auth, rate or timeout) whose message names the fields
// the way sends.
func rejects(err error, way string) bool {
	var he *httpError
	if !errors.As(err, &he) || he.Status < 400 || he.Status >= 500 {
		return false
	}
	switch he.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	msg := strings.ToLower(he.Message)
	var words []string
	switch way {
	case JSONViaTools:
		words = []string{"tool", "function"}
	case JSONViaResponseFormat:
		words = []string{"response_format", "response format", "json_schema", "schema"}
	}
	for _, w := range words {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// refused reports whether this role's endpoint has rejected way.
func (r *roleClient) refused(way string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.rejected[way]
	return ok
}

func (r *roleClient) refuse(way string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rejected == nil {
		r.rejected = map[string]string{}
	}
	r.rejected[way] = err.Error()
}

// RejectedWays returns the JSON ways role's endpoint has rejected in this
// process, each with the error it gave.
func (c *Client) RejectedWays(role Role) map[string]string {
	r, ok := c.roles[role]
	if !ok {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for k, v := range r.rejected {
		out[k] = v
	}
	return out
}

// toolArguments is the reply of a function call: the first call's
// arguments when the message has no content of its own.
func toolArguments(msg openai.ChatCompletionMessage) string {
	if strings.TrimSpace(msg.Content) != "" || len(msg.ToolCalls) == 0 {
		return msg.Content
	}
	return msg.ToolCalls[0].Function.Arguments
}

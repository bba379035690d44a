package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
)

var argSchema = json.RawMessage(`{"type":"object","properties":{"words":{"type":"array","items":{"type":"string"}}},"required":["words"]}`)

func jsonAskOf(q, via string) Request {
	r := ask(q)
	r.Template, r.JSONSchema, r.JSONName, r.JSONVia = "use_json", argSchema, "sort_words", via
	return r
}

// auto asks through a forced function call and reads its arguments.
func TestJSONViaToolsReadsTheCall(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{Template: "use_json"}, fakeopenai.Reply{ToolCalls: []fakeopenai.ToolCall{{Name: "sort_words", Arguments: `{"words":["b","a"]}`}}})
	resp, err := h.c.Chat(context.Background(), jsonAskOf("q1", JSONViaAuto))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != `{"words":["b","a"]}` || resp.JSONVia != JSONViaTools {
		t.Fatalf("content %q via %q", resp.Content, resp.JSONVia)
	}
	req := h.srv.Requests()[0]
	if names := req.ToolNames(); len(names) != 1 || names[0] != "sort_words" {
		t.Fatalf("tools %s", req.Tools)
	}
	if !strings.Contains(string(req.ToolChoice), `"function":{"name":"sort_words"}`) || req.ResponseFormat != nil {
		t.Fatalf("tool_choice %s, response_format %s", req.ToolChoice, req.ResponseFormat)
	}
	if !strings.Contains(string(req.Tools), `"parameters":{"type":"object"`) {
		t.Fatalf("the schema is not the function's parameters: %s", req.Tools)
	}
}

// An endpoint that rejects tools is asked through response_format at once,
// and never offered tools again; one that rejects that too, by the prompt
// alone.
func TestJSONViaFallsBackAndRemembers(t *testing.T) {
	var log bytes.Buffer
	h := newHarness(t, func(c *Config) { c.Log = &log })
	h.srv.Handle(func(r fakeopenai.Request) fakeopenai.Reply {
		switch {
		case r.Tools != nil:
			return fakeopenai.Reply{Status: 400, Content: "tools are not supported by this model"}
		case r.ResponseFormat != nil && strings.Contains(r.Last(), "strict"):
			return fakeopenai.Reply{Status: 400, Content: "response_format json_schema is not supported"}
		}
		return fakeopenai.Reply{Content: "```json\n{\"words\": []}\n```"}
	})
	resp, err := h.c.Chat(context.Background(), jsonAskOf("q1", JSONViaAuto))
	if err != nil || resp.JSONVia != JSONViaResponseFormat {
		t.Fatalf("first call: %+v, %v", resp, err)
	}
	if n := len(h.srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2 (tools rejected, then response_format)", n)
	}
	if _, err := h.c.Chat(context.Background(), jsonAskOf("q2", JSONViaAuto)); err != nil {
		t.Fatal(err)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 3 || reqs[2].Tools != nil || reqs[2].ResponseFormat == nil {
		t.Fatalf("the second call offered tools again or dropped response_format: %d requests", len(reqs))
	}
	if _, ok := h.c.RejectedWays(User)[JSONViaTools]; !ok || !strings.Contains(log.String(), "rejects tools") {
		t.Fatalf("rejections %v, log %q", h.c.RejectedWays(User), log.String())
	}
	resp, err = h.c.Chat(context.Background(), jsonAskOf("strict q3", JSONViaAuto))
	if err != nil || resp.JSONVia != JSONViaFence || !strings.Contains(resp.Content, `"words"`) {
		t.Fatalf("fence: %+v, %v", resp, err)
	}
	last := h.srv.Requests()[len(h.srv.Requests())-1]
	if last.Tools != nil || last.ResponseFormat != nil || last.ToolChoice != nil {
		t.Fatalf("the fence way sent structured fields: %s", last.Body)
	}
}

// A way named explicitly is the only one tried; a 4xx that does not name
// the way is an error, not a fallback.
func TestJSONViaExplicitAndUnrelatedErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.Script(fakeopenai.Match{Contains: "explicit"}, fakeopenai.Reply{Status: 400, Content: "tool_choice is not supported"})
	h.srv.Script(fakeopenai.Match{Contains: "unrelated"}, fakeopenai.Reply{Status: 400, Content: "max_tokens is too large"})
	if _, err := h.c.Chat(context.Background(), jsonAskOf("explicit", JSONViaTools)); err == nil || !strings.Contains(err.Error(), "tool_choice") {
		t.Fatalf("explicit tools: %v", err)
	}
	if _, err := h.c.Chat(context.Background(), jsonAskOf("unrelated", JSONViaAuto)); err == nil || !strings.Contains(err.Error(), "max_tokens") {
		t.Fatalf("unrelated 400: %v", err)
	}
	if n := len(h.srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2 (no fallback)", n)
	}
	h.srv.Script(fakeopenai.Match{Contains: "fence only"}, fakeopenai.Reply{Content: "```json\n{}\n```"})
	resp, err := h.c.Chat(context.Background(), jsonAskOf("fence only", JSONViaFence))
	if last := h.srv.Requests()[2]; err != nil || resp.JSONVia != JSONViaFence || last.Tools != nil || last.ResponseFormat != nil {
		t.Fatalf("fence: %+v, %v, %s", resp, err, last.Body)
	}
	if _, err := h.c.Chat(context.Background(), jsonAskOf("q", "xml")); err == nil || !strings.Contains(err.Error(), "want one of auto, tools") {
		t.Fatalf("unknown way: %v", err)
	}
}

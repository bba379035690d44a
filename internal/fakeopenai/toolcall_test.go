package fakeopenai

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// A scripted tool call reaches a real client as tool_calls, and the
// request's tools, tool_choice and response_format are recorded as sent.
func TestToolCallReply(t *testing.T) {
	srv := New(t)
	srv.Script(Match{Template: "use_json"}, Reply{ToolCalls: []ToolCall{{Name: "sort_words", Arguments: `{"words":["b","a"]}`}}})
	srv.Script(Match{}, Reply{Content: "plain"})
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = srv.URL
	cfg.HTTPClient = templateDoer{"use_json"}
	c := openai.NewClientWithConfig(cfg)
	schema := json.RawMessage(`{"type":"object","properties":{"words":{"type":"array"}}}`)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:      "m",
		Messages:   []openai.ChatCompletionMessage{{Role: "user", Content: "q"}},
		Tools:      []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "sort_words", Parameters: schema}}},
		ToolChoice: openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: "sort_words"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Name != "sort_words" ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"words":["b","a"]}` || ch.FinishReason != openai.FinishReasonToolCalls || ch.Message.ToolCalls[0].ID != "call_1" {
		t.Fatalf("reply %+v", ch)
	}
	req := srv.Requests()[0]
	if got := req.ToolNames(); len(got) != 1 || got[0] != "sort_words" {
		t.Fatalf("tool names %v", got)
	}
	if !strings.Contains(string(req.ToolChoice), `"name":"sort_words"`) || req.ResponseFormat != nil {
		t.Fatalf("tool_choice %s, response_format %s", req.ToolChoice, req.ResponseFormat)
	}
	if !strings.Contains(string(req.Tools), `"parameters":{"type":"object"`) {
		t.Fatalf("tools %s", req.Tools)
	}

	// Without tools, the fields are absent and a reply is plain content.
	cfg.HTTPClient = templateDoer{"other"}
	c = openai.NewClientWithConfig(cfg)
	resp, err = c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "q"}},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "arguments", Schema: schema}},
	})
	if err != nil || resp.Choices[0].Message.Content != "plain" || len(resp.Choices[0].Message.ToolCalls) != 0 {
		t.Fatalf("plain reply %+v, %v", resp, err)
	}
	req = srv.Requests()[1]
	if req.Tools != nil || req.ToolChoice != nil || !strings.Contains(string(req.ResponseFormat), `"json_schema"`) {
		t.Fatalf("second request: tools %s, tool_choice %s, response_format %s", req.Tools, req.ToolChoice, req.ResponseFormat)
	}
}

// templateDoer sends every request with the template header set, as the
// latm client does.
type templateDoer struct{ name string }

func (d templateDoer) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set(TemplateHeader, d.name)
	return http.DefaultClient.Do(req)
}

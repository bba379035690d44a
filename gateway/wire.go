package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// chatRequest is the part of a chat completions body the gateway reads to
// decide whether the request is a candidate. The body itself is forwarded
// as it came.
type chatRequest struct {
	Model         string          `json:"model"`
	Messages      []chatMessage   `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *streamOptions  `json:"stream_options"`
	N             *int            `json:"n"`
	Tools         json.RawMessage `json:"tools"`
	Functions     json.RawMessage `json:"functions"`
	Audio         json.RawMessage `json:"audio"`
	Modalities    []string        `json:"modalities"`
	ResponseFmt   *responseFormat `json:"response_format"`
	Logprobs      *bool           `json:"logprobs"`
	Prediction    json.RawMessage `json:"prediction"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type responseFormat struct {
	Type string `json:"type"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	Name    string          `json:"name"`
}

// text returns the message's text and whether it is text only: a string,
// or an array of text parts (an image, audio or file part is not).
func (m chatMessage) text() (string, bool) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", false
		}
		b.WriteString(p.Text)
	}
	return b.String(), true
}

// candidate reads body and returns the request and its instance text, or
// why it is not a candidate (it then passes through untouched).
func (c Config) candidate(body []byte) (*chatRequest, string, string) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, "", "the body is not a chat completions request latm can read"
	}
	switch {
	case len(req.Tools) > 0 && string(req.Tools) != "null",
		len(req.Functions) > 0 && string(req.Functions) != "null":
		return &req, "", "the request offers tools or functions"
	case req.N != nil && *req.N > 1:
		return &req, "", "the request asks for n > 1 choices"
	case len(req.Audio) > 0 && string(req.Audio) != "null", len(req.Modalities) > 0 && !(len(req.Modalities) == 1 && req.Modalities[0] == "text"):
		return &req, "", "the request asks for audio"
	case req.ResponseFmt != nil && req.ResponseFmt.Type != "" && req.ResponseFmt.Type != "text":
		return &req, "", "the request asks for a " + req.ResponseFmt.Type + " response format"
	case req.Logprobs != nil && *req.Logprobs:
		return &req, "", "the request asks for log probabilities"
	case len(req.Prediction) > 0 && string(req.Prediction) != "null":
		return &req, "", "the request carries a predicted output"
	}
	var system, user string
	switch {
	case len(req.Messages) == 1 && req.Messages[0].Role == "user":
		t, ok := req.Messages[0].text()
		if !ok {
			return &req, "", "the user message is not text only"
		}
		user = t
	case len(req.Messages) == 2 && (req.Messages[0].Role == "system" || req.Messages[0].Role == "developer") && req.Messages[1].Role == "user":
		if !c.AllowSystem {
			return &req, "", "the request has a system message (gateway.allow_system is off)"
		}
		s, ok1 := req.Messages[0].text()
		t, ok2 := req.Messages[1].text()
		if !ok1 || !ok2 {
			return &req, "", "a message is not text only"
		}
		system, user = s, t
	default:
		return &req, "", "the request is not one user message, or a system message and one user message"
	}
	if strings.TrimSpace(user) == "" {
		return &req, "", "the user message is empty"
	}
	if c.Instance == InstanceSystemUser && strings.TrimSpace(system) != "" {
		return &req, system + "\n\n" + user, ""
	}
	return &req, user, ""
}

// completion is a chat completion as latm writes it for a tool's answer.
type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type choice struct {
	Index        int      `json:"index"`
	Message      *message `json:"message,omitempty"`
	Delta        *message `json:"delta,omitempty"`
	FinishReason *string  `json:"finish_reason"`
	Logprobs     any      `json:"logprobs"`
}

type message struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
	Refusal *string `json:"refusal,omitempty"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// estimateTokens is latm's token estimate for text: a quarter of its bytes.
func estimateTokens(n int) int { return (n + 3) / 4 }

// writeAnswer writes text as the reply to req, plain or as server-sent
// events, with model echoing the requested name.
func writeAnswer(w http.ResponseWriter, req *chatRequest, id, text string, promptTokens int) {
	stop := "stop"
	u := &usage{PromptTokens: promptTokens, CompletionTokens: estimateTokens(len(text))}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	now := time.Now().Unix()
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(completion{
			ID: id, Object: "chat.completion", Created: now, Model: req.Model,
			Choices: []choice{{Index: 0, Message: &message{Role: "assistant", Content: &text}, FinishReason: &stop}},
			Usage:   u,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	send := func(c completion) {
		c.ID, c.Object, c.Created, c.Model = id, "chat.completion.chunk", now, req.Model
		b, _ := json.Marshal(c)
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	empty := ""
	send(completion{Choices: []choice{{Delta: &message{Role: "assistant", Content: &empty}}}})
	send(completion{Choices: []choice{{Delta: &message{Content: &text}}}})
	send(completion{Choices: []choice{{Delta: &message{}, FinishReason: &stop}}})
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send(completion{Choices: []choice{}, Usage: u})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

// writeError answers in OpenAI's error shape.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

// upstreamReply is what the gateway reads out of upstream's reply.
type upstreamReply struct {
	Content          string
	PromptTokens     int
	CompletionTokens int
	HasUsage         bool
	Finish           string
}

// readReply parses a captured upstream body, plain JSON or server-sent
// events; ok is false when it holds no single choice's text.
func readReply(body []byte, streamed bool) (upstreamReply, bool) {
	var out upstreamReply
	type wireChoice struct {
		Index   int `json:"index"`
		Message *struct {
			Content *string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	}
	type wire struct {
		Choices []wireChoice `json:"choices"`
		Usage   *usage       `json:"usage"`
	}
	take := func(u *usage) {
		if u != nil {
			out.PromptTokens, out.CompletionTokens, out.HasUsage = u.PromptTokens, u.CompletionTokens, true
		}
	}
	if !streamed {
		var v wire
		if json.Unmarshal(body, &v) != nil || len(v.Choices) != 1 || v.Choices[0].Message == nil || v.Choices[0].Message.Content == nil {
			return out, false
		}
		out.Content, out.Finish = *v.Choices[0].Message.Content, v.Choices[0].FinishReason
		take(v.Usage)
		return out, true
	}
	var b strings.Builder
	seen := false
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		data, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		data = bytes.TrimSpace(data)
		if string(data) == "[DONE]" {
			break
		}
		var v wire
		if json.Unmarshal(data, &v) != nil {
			return out, false
		}
		take(v.Usage)
		for _, c := range v.Choices {
			if c.Index != 0 {
				return out, false
			}
			if c.Delta != nil && c.Delta.Content != nil {
				b.WriteString(*c.Delta.Content)
				seen = true
			}
			if c.FinishReason != "" {
				out.Finish = c.FinishReason
			}
		}
	}
	out.Content = b.String()
	return out, seen
}

package fakeopenai

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TemplateHeader is the header the latm client names its prompt template
// in (llm.TemplateHeader; not imported, so that llm's tests may use this
// package).
const TemplateHeader = "X-Latm-Template"

// state is the mutable part of a Server, guarded by mu.
type state struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	scripts []*script
	fall    func(Request) Reply
	reqs    []Request
}

type script struct {
	m       Match
	replies []Reply
	next    int
}

func newServer(t testing.TB) *Server {
	s := &Server{}
	s.t = t
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	s.AzureURL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) script(m Match, replies []Reply) {
	if len(replies) == 0 {
		s.t.Helper()
		s.t.Fatalf("fakeopenai: Script needs at least one reply")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, &script{m: m, replies: replies})
}

func (s *Server) handle(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fall = f
}

func (s *Server) requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (m Match) matches(r Request) bool {
	if m.Model != "" && m.Model != r.Model {
		return false
	}
	if m.Template != "" && m.Template != r.Template {
		return false
	}
	if m.Contains != "" {
		found := false
		for _, msg := range r.Messages {
			if strings.Contains(msg.Content, m.Contains) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return m.Func == nil || m.Func(r)
}

// wireRequest is the part of a chat-completions body the server reads.
type wireRequest struct {
	Model       string        `json:"model"`
	Messages    []wireMessage `json:"messages"`
	Temperature float32       `json:"temperature"`
	MaxTokens   int           `json:"max_tokens"`
	MaxComplete int           `json:"max_completion_tokens"`
	Stream      bool          `json:"stream"`
	StreamOpts  *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools          json.RawMessage `json:"tools"`
	ToolChoice     json.RawMessage `json:"tool_choice"`
	ResponseFormat json.RawMessage `json:"response_format"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns a message content given as a string or as an array of
// {"type":"text","text":…} parts.
func (m wireMessage) text() string {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(m.Content, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return string(m.Content)
}

// parseRequest returns the request and whether its path is a chat
// completions endpoint.
func parseRequest(r *http.Request, body []byte) (Request, bool, error) {
	req := Request{
		Header:     r.Header.Clone(),
		Template:   r.Header.Get(TemplateHeader),
		Path:       r.URL.Path,
		APIVersion: r.URL.Query().Get("api-version"),
		Body:       string(body),
	}
	ok := false
	switch {
	case strings.HasSuffix(r.URL.Path, "/v1/chat/completions"):
		ok = true
	case strings.HasPrefix(r.URL.Path, "/openai/deployments/") && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/openai/deployments/"), "/chat/completions")
		if name != "" && !strings.Contains(name, "/") {
			req.Deployment = name
			ok = true
		}
	}
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return req, ok, fmt.Errorf("request body is not JSON: %w", err)
	}
	req.Model, req.Temperature, req.MaxTokens = w.Model, w.Temperature, w.MaxTokens
	req.Stream = w.Stream
	req.Tools, req.ToolChoice, req.ResponseFormat = w.Tools, w.ToolChoice, w.ResponseFormat
	req.StreamUsage = w.Stream && w.StreamOpts != nil && w.StreamOpts.IncludeUsage
	if req.MaxTokens == 0 {
		req.MaxTokens = w.MaxComplete
	}
	if req.Model == "" {
		req.Model = req.Deployment
	}
	for _, m := range w.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: m.text()})
	}
	return req, ok, nil
}

// pick finds the reply for req and records req, under one lock so that
// concurrent requests take replies in arrival order.
func (s *Server) pick(req Request) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	for _, sc := range s.scripts {
		if !sc.m.matches(req) {
			continue
		}
		rep := sc.replies[sc.next]
		if sc.next < len(sc.replies)-1 {
			sc.next++
		}
		return rep, true
	}
	if s.fall != nil {
		f := s.fall
		// The fallback may be slow or call back into the server.
		s.mu.Unlock()
		rep := f(req)
		s.mu.Lock()
		return rep, true
	}
	return Reply{}, false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost {
		s.t.Errorf("fakeopenai: unexpected %s %s", r.Method, r.URL)
		writeError(w, http.StatusMethodNotAllowed, "fakeopenai serves POST only")
		return
	}
	req, ok, err := parseRequest(r, body)
	if !ok {
		s.t.Errorf("fakeopenai: unexpected path %s", r.URL)
		writeError(w, http.StatusNotFound, "fakeopenai: no such endpoint "+r.URL.Path)
		return
	}
	if err != nil {
		s.t.Errorf("fakeopenai: %s: %v", r.URL.Path, err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep, ok := s.pick(req)
	if !ok {
		msg := fmt.Sprintf("fakeopenai: unscripted request model=%q messages=%d last=%q", req.Model, len(req.Messages), clip(req.Last(), 120))
		s.t.Errorf("%s", msg)
		writeError(w, http.StatusInternalServerError, msg)
		return
	}
	s.answer(w, r, req, rep)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, rep Reply) {
	if rep.Delay > 0 {
		timer := time.NewTimer(rep.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
	}
	if rep.DropConn {
		hj, ok := w.(http.Hijacker)
		if !ok {
			s.t.Errorf("fakeopenai: cannot drop the connection: no hijacker")
			return
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rep.RawBody != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, rep.RawBody)
		return
	}
	if status != http.StatusOK {
		msg := rep.Content
		if msg == "" {
			msg = http.StatusText(status)
		}
		writeError(w, status, msg)
		return
	}
	if req.Stream {
		stream(w, req, rep)
		return
	}
	writeJSON(w, status, completion(req, rep))
}

// stream sends the reply as server-sent events the way OpenAI does: a
// first chunk with the role, the content in pieces, a chunk with the
// finish reason, a usage chunk with no choices when the request asked for
// it (stream_options.include_usage), then [DONE].
func stream(w http.ResponseWriter, req Request, rep Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	full := completion(req, rep)
	send := func(choices []any, usage any) {
		chunk := map[string]any{"id": full["id"], "object": "chat.completion.chunk", "created": full["created"], "model": full["model"], "choices": choices}
		if usage != nil {
			chunk["usage"] = usage
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	send([]any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": ""}, "finish_reason": nil}}, nil)
	for _, piece := range pieces(rep.Content, 8) {
		send([]any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}, "finish_reason": nil}}, nil)
	}
	send([]any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": finish}}, nil)
	if req.StreamUsage && full["usage"] != nil {
		send([]any{}, full["usage"])
	}
	io.WriteString(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// pieces cuts s into runs of at most n runes.
func pieces(s string, n int) []string {
	var out []string
	rs := []rune(s)
	for len(rs) > n {
		out = append(out, string(rs[:n]))
		rs = rs[n:]
	}
	if len(rs) > 0 {
		out = append(out, string(rs))
	}
	return out
}

func completion(req Request, rep Reply) map[string]any {
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
		if len(rep.ToolCalls) > 0 {
			finish = "tool_calls"
		}
	}
	choices := []any{}
	if !rep.NoChoices {
		msg := map[string]any{"role": "assistant", "content": rep.Content}
		if len(rep.ToolCalls) > 0 {
			if rep.Content == "" {
				msg["content"] = nil
			}
			msg["tool_calls"] = toolCalls(rep.ToolCalls)
		}
		choices = append(choices, map[string]any{
			"index":         0,
			"message":       msg,
			"finish_reason": finish,
		})
	}
	out := map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": choices,
	}
	if !rep.NoUsage {
		in, outTok := rep.PromptTokens, rep.OutTokens
		if in == 0 {
			n := 0
			for _, m := range req.Messages {
				n += len(m.Content)
			}
			in = Tokens(n)
		}
		if outTok == 0 {
			n := len(rep.Content)
			for _, tc := range rep.ToolCalls {
				n += len(tc.Name) + len(tc.Arguments)
			}
			outTok = Tokens(n)
		}
		out["usage"] = map[string]any{"prompt_tokens": in, "completion_tokens": outTok, "total_tokens": in + outTok}
	}
	return out
}

// toolCalls renders scripted function calls as the wire's tool_calls.
func toolCalls(calls []ToolCall) []any {
	out := make([]any, len(calls))
	for i, tc := range calls {
		id := tc.ID
		if id == "" {
			id = fmt.Sprintf("call_%d", i+1)
		}
		out[i] = map[string]any{"id": id, "type": "function", "function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}}
	}
	return out
}

// Tokens is the server's token estimate for n characters: ceil(n/4).
func Tokens(n int) int { return (n + 3) / 4 }

func writeError(w http.ResponseWriter, status int, msg string) {
	typ := "server_error"
	if status < 500 {
		typ = "invalid_request_error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": http.StatusText(status),
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func silent(t testing.TB) (string, <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakeopenai: listen: %v", err)
	}
	accepted := make(chan struct{}, 64)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/v1", accepted
}

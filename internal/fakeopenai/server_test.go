package fakeopenai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type wireReply struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"error"`
}

func post(t *testing.T, ctx context.Context, url, model string, msgs ...string) (*http.Response, wireReply, error) {
	t.Helper()
	var ms []map[string]string
	for _, m := range msgs {
		ms = append(ms, map[string]string{"role": "user", "content": m})
	}
	body, _ := json.Marshal(map[string]any{"model": model, "messages": ms, "temperature": 0.5, "max_tokens": 77})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, wireReply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, wireReply{}, err
	}
	var w wireReply
	err = json.Unmarshal(raw, &w)
	return resp, w, err
}

func content(w wireReply) string {
	if len(w.Choices) == 0 {
		return "<no choices>"
	}
	return w.Choices[0].Message.Content
}

func TestScriptsInOrderLastRepeats(t *testing.T) {
	s := New(t)
	s.Script(Match{Contains: "add"}, Reply{Content: "one"}, Reply{Content: "two"})
	s.Script(Match{Model: "m2"}, Reply{Content: "m2 reply"})
	s.Handle(func(r Request) Reply { return Reply{Content: "fallback " + r.Last()} })

	url := s.URL + "/chat/completions"
	var got []string
	for _, c := range []struct{ model, msg string }{{"m1", "add 1"}, {"m2", "please add"}, {"m1", "add 3"}, {"m2", "hi"}, {"m1", "other"}} {
		_, w, err := post(t, context.Background(), url, c.model, c.msg)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, content(w))
	}
	want := []string{"one", "two", "two", "m2 reply", "fallback other"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
	reqs := s.Requests()
	if len(reqs) != 5 {
		t.Fatalf("recorded %d requests, want 5", len(reqs))
	}
	r := reqs[1]
	if r.Model != "m2" || r.Last() != "please add" || r.Temperature != 0.5 || r.MaxTokens != 77 || r.Path != "/v1/chat/completions" {
		t.Errorf("request 1 recorded as %+v", r)
	}
	if got := http.Header(r.Header).Get("Authorization"); got != "Bearer k" {
		t.Errorf("Authorization header = %q", got)
	}
}

func TestReplyShapes(t *testing.T) {
	s := New(t)
	s.Script(Match{Contains: "err"}, Reply{Status: 429, RetryAfter: "3", Content: "slow down"})
	s.Script(Match{Contains: "raw"}, Reply{RawBody: `{"choices": [`})
	s.Script(Match{Contains: "empty"}, Reply{NoChoices: true})
	s.Script(Match{Contains: "nousage"}, Reply{Content: "x", NoUsage: true, FinishReason: "length"})
	s.Script(Match{Contains: "usage"}, Reply{Content: "12345"})
	url := s.URL + "/chat/completions"
	ctx := context.Background()

	resp, w, err := post(t, ctx, url, "m", "err")
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || w.Error == nil || w.Error.Message != "slow down" {
		t.Errorf("error reply: err=%v resp=%v body=%+v", err, resp, w)
	}
	if _, _, err := post(t, ctx, url, "m", "raw"); err == nil {
		t.Errorf("raw body parsed as JSON, want a syntax error")
	}
	if _, w, err := post(t, ctx, url, "m", "empty"); err != nil || w.Choices == nil || len(w.Choices) != 0 {
		t.Errorf("no choices: err=%v choices=%v", err, w.Choices)
	}
	if _, w, err := post(t, ctx, url, "m", "nousage"); err != nil || w.Usage != nil || w.Choices[0].FinishReason != "length" {
		t.Errorf("no usage: err=%v %+v", err, w)
	}
	_, w, err = post(t, ctx, url, "m", "usage!") // 6 chars in, 5 out
	if err != nil || w.Usage == nil || w.Usage.PromptTokens != 2 || w.Usage.CompletionTokens != 2 || w.Choices[0].FinishReason != "stop" {
		t.Errorf("usage: err=%v %+v", err, w.Usage)
	}
}

func TestDropConnAndDelay(t *testing.T) {
	s := New(t)
	s.Script(Match{Contains: "drop"}, Reply{DropConn: true})
	s.Script(Match{Contains: "slow"}, Reply{Delay: 10 * time.Second, Content: "late"})
	url := s.URL + "/chat/completions"
	if _, _, err := post(t, context.Background(), url, "m", "drop"); err == nil {
		t.Errorf("dropped connection gave no error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := post(t, ctx, url, "m", "slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed reply: err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestAzurePath(t *testing.T) {
	s := New(t)
	s.Handle(func(r Request) Reply { return Reply{Content: r.Deployment + "@" + r.APIVersion} })
	_, w, err := post(t, context.Background(), s.AzureURL+"/openai/deployments/gpt4dep/chat/completions?api-version=2024-02-01", "", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if got := content(w); got != "gpt4dep@2024-02-01" {
		t.Errorf("azure reply = %q", got)
	}
	if r := s.Requests()[0]; r.Model != "gpt4dep" {
		t.Errorf("model from deployment = %q", r.Model)
	}
}

// errTB records Errorf calls instead of failing the test.
type errTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errTB) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func TestUnscriptedFailsTheTest(t *testing.T) {
	tb := &errTB{TB: t}
	s := New(tb)
	resp, w, err := post(t, context.Background(), s.URL+"/chat/completions", "m", "surprise")
	if err != nil || resp.StatusCode != 500 || w.Error == nil || !strings.Contains(w.Error.Message, "surprise") {
		t.Errorf("unscripted: err=%v resp=%v body=%+v", err, resp, w)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errs) != 1 || !strings.Contains(tb.errs[0], `"surprise"`) {
		t.Errorf("test errors = %q, want one naming the request", tb.errs)
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := New(t)
	var replies []Reply
	for i := range 20 {
		replies = append(replies, Reply{Content: fmt.Sprint(i)})
	}
	s.Script(Match{}, replies...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for range 20 {
		wg.Go(func() {
			_, w, err := post(t, context.Background(), s.URL+"/chat/completions", "m", "q")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[content(w)] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(seen) != 20 || len(s.Requests()) != 20 {
		t.Errorf("distinct replies %d, requests %d; want 20 each", len(seen), len(s.Requests()))
	}
}

func TestMatchTemplate(t *testing.T) {
	s := New(t)
	s.Script(Match{Template: "verify"}, Reply{Content: "tests"})
	s.Script(Match{}, Reply{Content: "other"})
	body := `{"model":"m","messages":[{"role":"user","content":"same words"}]}`
	for _, tc := range []struct{ template, want string }{{"verify", "tests"}, {"", "other"}, {"propose", "other"}} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/chat/completions", strings.NewReader(body))
		if tc.template != "" {
			req.Header.Set(TemplateHeader, tc.template)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var w wireReply
		json.NewDecoder(resp.Body).Decode(&w)
		resp.Body.Close()
		if got := content(w); got != tc.want {
			t.Errorf("template %q: %q, want %q", tc.template, got, tc.want)
		}
	}
	if got := s.Requests()[0].Template; got != "verify" {
		t.Errorf("recorded template %q", got)
	}
}

func TestSilentAcceptsAndNeverAnswers(t *testing.T) {
	url, accepted := Silent(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(t, ctx, url+"/chat/completions", "m", "hi")
		errc <- err
	}()
	<-accepted
	select {
	case err := <-errc:
		t.Fatalf("the silent server answered: %v", err)
	default:
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

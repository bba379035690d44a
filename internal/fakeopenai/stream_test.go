package fakeopenai

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// A streamed request gets the reply in chunks that go-openai reassembles,
// with the usage chunk when the request asked for it.
func TestStreamThroughGoOpenAI(t *testing.T) {
	s := New(t)
	s.Script(Match{}, Reply{Content: "Let's think. So the answer is 42.", PromptTokens: 7, OutTokens: 9})
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = s.URL
	c := openai.NewClientWithConfig(cfg)
	st, err := c.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "q"}},
		Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b strings.Builder
	var usage *openai.Usage
	finish := ""
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ch.Usage != nil {
			usage = ch.Usage
		}
		for _, c := range ch.Choices {
			b.WriteString(c.Delta.Content)
			if c.FinishReason != "" {
				finish = string(c.FinishReason)
			}
		}
	}
	if got, want := b.String(), "Let's think. So the answer is 42."; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if finish != "stop" || usage == nil || usage.PromptTokens != 7 || usage.CompletionTokens != 9 {
		t.Errorf("finish %q usage %+v", finish, usage)
	}
	if r := s.Requests(); len(r) != 1 || !r[0].Stream || !r[0].StreamUsage {
		t.Errorf("request stream flags = %+v", r)
	}
}

package maker

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

var qa = regexp.MustCompile(`(?s)Question: (.*?)\nAnswer: ([^\n]*)`)

// chatExamples reads the solved examples of a chat: the training ones of
// its first message and the verification ones of its test prompt.
func chatExamples(c fixtures.PaperChat) (train, valid []tool.Example, verifyAt int) {
	for _, m := range qa.FindAllStringSubmatch(c.Messages[0].Content, -1) {
		train = append(train, tool.Example{Question: strings.TrimSpace(m[1]), Answer: strings.TrimSpace(m[2])})
	}
	for i, msg := range c.Messages {
		if msg.Role == "user" && strings.Contains(msg.Content, "Write unit tests") {
			verifyAt = i
			for _, m := range qa.FindAllStringSubmatch(msg.Content, -1) {
				valid = append(valid, tool.Example{Question: strings.TrimSpace(m[1]), Answer: strings.TrimSpace(m[2])})
			}
		}
	}
	return train, valid, verifyAt
}

// TestReplayPaperChats plays GPT-4's own replies from the six reference
// chats back to the maker, each step answered from the chat: the proposals
// (and their fixes) in order, the one verification reply, the final
// wrapper. Every chat must make its tool, with all three verification
// questions passing and usage examples that give their answers.
func TestReplayPaperChats(t *testing.T) {
	chats, err := fixtures.PaperChats()
	if err != nil {
		t.Fatal(err)
	}
	made := 0
	for _, c := range chats {
		t.Run(c.Task, func(t *testing.T) {
			if c.Task == "chinese_remainder_theorem" && testing.Short() {
				t.Skip("GPT-4's tool counts up to the limit: about 30 s of sandbox time")
			}
			train, valid, verifyAt := chatExamples(c)
			if len(train) != 3 || len(valid) != 3 {
				t.Fatalf("chat has %d training and %d verification examples", len(train), len(valid))
			}
			var proposals []string
			for _, m := range c.Messages[1:verifyAt] {
				if m.Role == "assistant" {
					proposals = append(proposals, m.Content)
				}
			}
			verifyReply := c.Messages[verifyAt+1].Content
			final := c.Messages[len(c.Messages)-1].Content
			var mu sync.Mutex
			next := 0
			m, _ := newMaker(t, func(r fakeopenai.Request) fakeopenai.Reply {
				mu.Lock()
				defer mu.Unlock()
				switch r.Template {
				case "propose", "fix":
					reply := proposals[min(next, len(proposals)-1)]
					next++
					return fakeopenai.Reply{Content: reply}
				case "verify", "verify_fix":
					return fakeopenai.Reply{Content: verifyReply}
				case "package":
					return fakeopenai.Reply{Content: final}
				}
				return fakeopenai.Reply{Status: 500}
			})
			m.Train, m.Valid, m.ProposeTries, m.VerifyTries = 3, 3, 3, 3
			// GPT-4's CRT tool counts up to a million in the sandbox: the
			// replay checks the reply shapes the maker digests, not speed, so a
			// loaded or -race machine must not turn it into a time-limit failure.
			rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess, Limits: starlarkrt.Limits{Timeout: 5 * time.Minute}})
			t.Cleanup(func() { rt.Close() })
			m.Runtime = rt
			tl, att, err := m.Make(context.Background(), Task{Name: c.Task, Examples: append(append([]tool.Example{}, train...), valid...)})
			if err != nil {
				t.Fatalf("%v (tries: propose %d, verify %d)\n%s", err, att.ProposeTries, att.VerifyTries, lastMessages(tl))
			}
			for i, v := range tl.Validation {
				if !v.OK {
					t.Errorf("validation %d: %+v", i+1, v)
				}
			}
			if len(tl.Examples) != 3 {
				t.Fatalf("%d usage examples", len(tl.Examples))
			}
			for i, ex := range tl.Examples {
				if !answer.Correct(c.Task, ex.Answer, valid[i].Answer) {
					t.Errorf("usage example %d answers %q, want %q", i+1, ex.Answer, valid[i].Answer)
				}
				if strings.Contains(ex.Code, "assert") || strings.Contains(ex.Code, "expected_output") {
					t.Errorf("usage example %d keeps its check:\n%s", i+1, ex.Code)
				}
			}
			if strings.Contains(tl.Source, "print(") {
				t.Errorf("the saved tool keeps its example usage:\n%s", tl.Source)
			}
			made++
			t.Logf("made with %d proposal(s) and %d verification reply(ies)", att.ProposeTries, att.VerifyTries)
		})
	}
	t.Logf("%d of %d chats make their tool", made, len(chats))
}

func lastMessages(tl *tool.Tool) string {
	if tl == nil {
		return ""
	}
	var b strings.Builder
	for _, m := range tl.Transcript[max(0, len(tl.Transcript)-2):] {
		b.WriteString("--- " + m.Role + "\n" + m.Content + "\n")
	}
	return b.String()
}

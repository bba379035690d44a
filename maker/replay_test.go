package maker

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

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
			if c.Task == "chinese_remainder_theorem" {
				c = smallerAnswers(t, c)
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
			rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
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

// crtModulus reads one modulus and its remainder in a CRT question.
var crtModulus = regexp.MustCompile(`among (\d+) (\w+), we have (\d+) left`)

// smallerAnswers rewrites the three verification questions of the CRT chat
// (answers 74 514, 480 550 and 12 855) to ones with the same moduli whose
// answers are below 1000, everywhere they occur: the verification prompt,
// GPT-4's unit tests and its wrapper. GPT-4's tool counts up to the
// answer, 70 interpreter steps a number: its own questions cost the maker
// some 80 M steps (about 20 s on 2 cores) to check the tests and the
// usage examples, for nothing the replay looks at. What it checks, how the
// maker digests each reply, is the same; the paper's own numbers run in
// starlarkrt's TestPaperPrograms and paperwrappers' use cases.
func smallerAnswers(t *testing.T, c fixtures.PaperChat) fixtures.PaperChat {
	t.Helper()
	_, valid, _ := chatExamples(c)
	var pairs []string
	for _, ex := range valid {
		old, err := strconv.Atoi(ex.Answer)
		if err != nil {
			t.Fatalf("answer %q: %v", ex.Answer, err)
		}
		small := old % 1000
		var oldRem, newRem []string
		q := crtModulus.ReplaceAllStringFunc(ex.Question, func(m string) string {
			sub := crtModulus.FindStringSubmatch(m)
			d, _ := strconv.Atoi(sub[1])
			oldRem = append(oldRem, sub[3])
			newRem = append(newRem, strconv.Itoa(small%d))
			return fmt.Sprintf("among %s %s, we have %d left", sub[1], sub[2], small%d)
		})
		if len(newRem) != 3 {
			t.Fatalf("question %q: %d moduli, want 3", ex.Question, len(newRem))
		}
		pairs = append(pairs, ex.Question, q,
			"Answer: "+ex.Answer, "Answer: "+strconv.Itoa(small),
			"ans == "+ex.Answer, "ans == "+strconv.Itoa(small),
			"["+strings.Join(oldRem, ", ")+"]", "["+strings.Join(newRem, ", ")+"]")
	}
	r := strings.NewReplacer(pairs...)
	out := fixtures.PaperChat{Task: c.Task}
	for _, m := range c.Messages {
		m.Content = r.Replace(m.Content)
		out.Messages = append(out.Messages, m)
	}
	// Each old number must be gone from the chat, each new one present.
	all := fmt.Sprint(out.Messages)
	for i := 0; i < len(pairs); i += 2 {
		if strings.Contains(all, pairs[i]) || !strings.Contains(all, pairs[i+1]) {
			t.Fatalf("rewriting %q to %q left the chat inconsistent", pairs[i], pairs[i+1])
		}
	}
	return out
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

package gateway

import (
	"strings"
	"testing"

	"github.com/latm/latm/answer"
)

func TestCandidateRules(t *testing.T) {
	c, _ := Defaults().withDefaults()
	user := func(s string) string { return `{"role":"user","content":` + s + `}` }
	for _, tc := range []struct {
		body, instance, why string
	}{
		{`{"model":"m","messages":[` + user(`"What is 2 plus 3?"`) + `]}`, "What is 2 plus 3?", ""},
		{`{"model":"m","messages":[{"role":"system","content":"Be brief."},` + user(`"Q"`) + `]}`, "Be brief.\n\nQ", ""},
		{`{"model":"m","messages":[` + user(`[{"type":"text","text":"Q1 "},{"type":"text","text":"Q2"}]`) + `]}`, "Q1 Q2", ""},
		{`{"model":"m","messages":[` + user(`[{"type":"image_url","image_url":{"url":"x"}}]`) + `]}`, "", "not text only"},
		{`{"model":"m","messages":[` + user(`"Q"`) + `],"n":2}`, "", "n > 1"},
		{`{"model":"m","messages":[` + user(`"Q"`) + `],"n":1}`, "Q", ""},
		{`{"model":"m","messages":[` + user(`"Q"`) + `],"tools":[{}]}`, "", "tools"},
		{`{"model":"m","messages":[` + user(`"Q"`) + `],"functions":[{}]}`, "", "tools or functions"},
		{`{"model":"m","messages":[` + user(`"Q"`) + `],"response_format":{"type":"json_object"}}`, "", "json_object"},
		{`{"model":"m","messages":[` + user(`"Q"`) + `,{"role":"assistant","content":"A"},` + user(`"Q2"`) + `]}`, "", "not one user message"},
		{`{"model":"m","messages":[` + user(`"   "`) + `]}`, "", "empty"},
		{`not json`, "", "not a chat completions request"},
	} {
		_, inst, why := c.candidate([]byte(tc.body))
		if inst != tc.instance || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s: instance %q why %q, want %q / %q", tc.body, inst, why, tc.instance, tc.why)
		}
	}
	c.AllowSystem = false
	if _, _, why := c.candidate([]byte(`{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Q"}]}`)); !strings.Contains(why, "allow_system") {
		t.Errorf("with allow_system off: %q", why)
	}
	c.AllowSystem, c.Instance = true, InstanceUser
	if _, inst, _ := c.candidate([]byte(`{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Q"}]}`)); inst != "Q" {
		t.Errorf("instance user: %q", inst)
	}
}

func TestReplyShapes(t *testing.T) {
	for _, tc := range []struct {
		replies []string
		ans     string
		want    string // "" : no shape
	}{
		{[]string{"Step a.\nSo the answer is 12.", "Other steps b.\nSo the answer is 7.", "c\nSo the answer is 301."}, "42", "So the answer is 42."},
		{[]string{"12", "7", "301"}, "42", "42"},
		{[]string{"Answer: 12", "Answer: 7", "Answer: 301"}, "(B)", "Answer: (B)"},
		{[]string{"Let's think.\nx\nThus the answer is 12.", "Let's think.\ny y\nSo the answer is 7.", "Let's think.\nz\nSo the answer is 3."}, "9", "Let's think.\nthe answer is 9."},
		{[]string{"12", "7"}, "42", ""}, // too few replies
	} {
		var ss []sample
		for _, r := range tc.replies {
			ss = append(ss, sample{reply: r, answer: answer.FromReply(r)})
		}
		got, ok := learnShape(ss).render(tc.ans)
		if tc.want == "" {
			if ok {
				t.Errorf("%q: rendered %q, want no shape", tc.replies, got)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("%q: rendered %q (%v), want %q", tc.replies, got, ok, tc.want)
		}
	}
}

func TestShortAnswer(t *testing.T) {
	for _, tc := range []struct {
		reply, want string
	}{
		{"Steps.\nSo the answer is (C).", "(C)"},
		{"Jupiter", "Jupiter"},
		{"Answer: 5\n", "5"},
		{"Golden leaves drift down,\nwhispering to the benches,\nautumn settles in.", ""},
		{"", ""},
		{"So the answer is " + strings.Repeat("x", 300), ""},
	} {
		if got, _ := shortAnswer(tc.reply, 200); got != tc.want {
			t.Errorf("shortAnswer(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

func TestReadReply(t *testing.T) {
	plain := `{"choices":[{"index":0,"message":{"role":"assistant","content":"So the answer is 4."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}`
	rep, ok := readReply([]byte(plain), false)
	if !ok || rep.Content != "So the answer is 4." || rep.PromptTokens != 3 || rep.CompletionTokens != 5 || rep.Finish != "stop" {
		t.Errorf("plain: %+v %v", rep, ok)
	}
	sse := "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"So the \"}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"answer is 4.\"},\"finish_reason\":\"stop\"}]}\n\n" +
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\n\n" +
		"data: [DONE]\n\n"
	rep, ok = readReply([]byte(sse), true)
	if !ok || rep.Content != "So the answer is 4." || !rep.HasUsage || rep.CompletionTokens != 5 {
		t.Errorf("sse: %+v %v", rep, ok)
	}
	if _, ok := readReply([]byte(`{"choices":[{},{}]}`), false); ok {
		t.Error("two choices read as one reply")
	}
}

// Outside input never crashes the readers, and a rendered reply always
// reads back as the answer it was rendered from.
func FuzzReadReply(f *testing.F) {
	f.Add([]byte(`{"choices":[{"message":{"content":"x"}}]}`), false)
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n"), true)
	f.Fuzz(func(t *testing.T, b []byte, streamed bool) {
		readReply(b, streamed)
	})
}

func FuzzCandidate(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"Q"}]}`))
	f.Add([]byte(`{"messages":[{"role":"system","content":[{"type":"text","text":"S"}]},{"role":"user","content":"Q"}],"n":1}`))
	c, _ := Defaults().withDefaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		req, inst, why := c.candidate(b)
		if why == "" && (req == nil || strings.TrimSpace(inst) == "") {
			t.Fatalf("a candidate with no instance: %q", b)
		}
	})
}

func FuzzShapeRender(f *testing.F) {
	f.Add("Steps.\nSo the answer is 12.", "x\nSo the answer is 7.", "y\nSo the answer is 9.", "42")
	f.Add("12", "7", "9", "(B)")
	f.Fuzz(func(t *testing.T, a, b, c, ans string) {
		var ss []sample
		for _, r := range []string{a, b, c} {
			if x, ok := shortAnswer(r, 200); ok {
				ss = append(ss, sample{reply: r, answer: x})
			}
		}
		text, ok := learnShape(ss).render(ans)
		if ok {
			if got, _ := shortAnswer(text, len(text)); got != ans {
				t.Fatalf("rendered %q reads as %q, want %q", text, got, ans)
			}
		}
	})
}

// The replies kept for groups that never get a tool are bounded.
func TestLearningForgetsGroupsBeyondItsBound(t *testing.T) {
	var l learning
	l.init()
	for i := range maxGroupKeys + 50 {
		l.observe(groupKey("", int64(i+1)), upstreamReply{Content: "x", HasUsage: true, PromptTokens: 1}, "x")
	}
	l.observe("tool:kept", upstreamReply{Content: "y"}, "y")
	if n := len(l.samples); n > maxGroupKeys+1 {
		t.Errorf("%d keys kept, want at most %d", n, maxGroupKeys+1)
	}
	if len(l.samples["tool:kept"]) != 1 {
		t.Error("a tool's replies were forgotten")
	}
}

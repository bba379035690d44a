package paperwrappers

import (
	"encoding/json"
	"strings"
	"testing"
)

func chatJSON(t testing.TB, msgs ...string) []byte {
	var out []message
	for i, m := range msgs {
		role := "user"
		if i%2 == 1 || i == len(msgs)-1 {
			role = "assistant"
		}
		out = append(out, message{Role: role, Content: m})
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const goodWrapper = "Here is a function to solve a class of problems:\n```python\ndef f(x):\n    return x\n```\n\nUse cases:\n\nQuestion: Echo 1.\nAnswer: 1\n\nSolution:\n```python\nans = f(1)\n```\n"

// Every malformed chat is refused with an error that names the task and
// says what is missing.
func TestConvertRefusesMalformedChats(t *testing.T) {
	for _, tc := range []struct {
		name string
		chat []byte
		want string
	}{
		{"not JSON", []byte("[{"), "not a JSON array"},
		{"empty", []byte("[]"), "does not end with the maker's"},
		{"ends with the user", []byte(`[{"role":"user","content":"x"}]`), "does not end with the maker's"},
		{"no use cases", chatJSON(t, "```python\ndef f(): pass\n```"), `no "Use cases:"`},
		{"no function", chatJSON(t, "Use cases:\nQuestion: q\nAnswer: 1\nSolution:\n```python\nans = 1\n```"), "no fenced function"},
		{"no question", chatJSON(t, "```python\ndef f(x): pass\n```\nUse cases:\nnone"), `no "Question: " use case`},
		{"no solution", chatJSON(t, "```python\ndef f(x): pass\n```\nUse cases:\nQuestion: q\nAnswer: 1\n"), `use case 1: no "Solution:"`},
		{"no code", chatJSON(t, "```python\ndef f(x): pass\n```\nUse cases:\nQuestion: q\nAnswer: 1\nSolution: ans = 1"), "use case 1: no fenced code"},
		{"no answer anywhere", chatJSON(t, "```python\ndef f(x): pass\n```\nUse cases:\nQuestion: q\nSolution:\n```python\nans = f(1)\n```"), "use case 1: no answer"},
		{"answers disagree", chatJSON(t, "Question: Echo 1.\nAnswer: 2", goodWrapper), "states the answer \"1\", the chat \"2\""},
		{"entry not called", chatJSON(t, "```python\ndef f(x): pass\n```\nUse cases:\nQuestion: q\nAnswer: 1\nSolution:\n```python\nans = 1\n```"), "no function of the tool is called by every use case (defined: f)"},
	} {
		_, err := Convert("echo", tc.chat)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "paper wrapper echo") {
			t.Errorf("%s: error %v, want one naming the task and saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := Convert("Bad Name", chatJSON(t, goodWrapper)); err == nil {
		t.Error("a task name that is no tool name was accepted")
	}
	tl, err := Convert("echo", chatJSON(t, goodWrapper))
	if err != nil || tl.Entry != "f" || len(tl.Examples) != 1 || tl.Examples[0].Question != "Echo 1." || tl.Examples[0].Answer != "1" {
		t.Fatalf("good wrapper: %+v, %v", tl, err)
	}
}

// FuzzConvert: no chat crashes the converter; a tool it returns has an
// entry it defines and only usage examples with a question, code and answer.
func FuzzConvert(f *testing.F) {
	for _, task := range Tasks() {
		b, err := Chat(task)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(chatJSON(f, goodWrapper))
	f.Add([]byte(`[{"role":"assistant","content":"Use cases:Question: Solution:"}]`))
	f.Fuzz(func(t *testing.T, chat []byte) {
		tl, err := Convert("fuzzed", chat)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "paper wrapper fuzzed: ") {
				t.Fatalf("error does not name the task: %v", err)
			}
			return
		}
		if tl.Entry == "" || !strings.Contains(tl.Source, "def "+tl.Entry+"(") || len(tl.Examples) == 0 {
			t.Fatalf("tool %+v", tl)
		}
		for _, ex := range tl.Examples {
			if ex.Question == "" || ex.Code == "" || ex.Answer == "" {
				t.Fatalf("incomplete usage example %+v", ex)
			}
		}
	})
}

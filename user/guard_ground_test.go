package user

import (
	"context"
	"strings"
	"testing"

	"github.com/latm/latm/internal/fakeopenai"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

func digitSumTool() *tool.Tool {
	return &tool.Tool{
		Name: "digit_sum", Version: 1, Entry: "digit_sum", Signature: "digit_sum(n)",
		Source: "def digit_sum(n):\n    return sum([int(c) for c in str(n)])\n",
		Examples: []tool.UsageExample{
			{Question: "What is the sum of the digits of 530141610758 ?", Code: "ans = digit_sum(530141610758)", Answer: "41"},
			{Question: "What is the sum of the digits of 907 ?", Code: "ans = digit_sum(907)", Answer: "16"},
		},
	}
}

const digitQ = "What is the sum of the digits of 12345 ?"

// The user model copies a usage example's number: the call is refused
// before it runs, the model is told which literal, and its second call is
// taken.
func TestUngroundedCallIsRetriedWithFeedback(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 0)
	srv.Script(fakeopenai.Match{},
		fakeopenai.Reply{Content: fenced("ans = digit_sum(530141610758)")},
		fakeopenai.Reply{Content: fenced("ans = digit_sum(12345)")})
	run, err := s.Solve(context.Background(), digitSumTool(), Instance{Question: digitQ})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls, want 2", len(reqs))
	}
	if fb := reqs[1].Last(); !strings.Contains(fb, "530141610758") || !strings.Contains(fb, "usage example 1") {
		t.Errorf("the feedback does not name the literal: %q", fb)
	}
	if !run.OK || run.Answer != "15" || !strings.Contains(run.Code, "# grounding refused: the call uses 530141610758") {
		t.Fatalf("run %+v", run)
	}
}

// A second ungrounded call fails the instance as ungrounded, without
// running it, even with retries left.
func TestUngroundedTwiceFails(t *testing.T) {
	t.Parallel()
	s, srv := newSolver(t, 2)
	srv.Script(fakeopenai.Match{}, fakeopenai.Reply{Content: fenced("ans = digit_sum(530141610758)")})
	run, err := s.Solve(context.Background(), digitSumTool(), Instance{ID: "1", Batch: "b", Question: digitQ})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d model calls, want 2 (one grounding retry, then fail)", n)
	}
	if run.OK || !strings.HasPrefix(run.Error, "ungrounded: ") || run.Answer != "" || run.RawResult != "" {
		t.Fatalf("run %+v, want an ungrounded failure", run)
	}
	runs, err := s.Store.(*library.Store).Runs(context.Background(), "b")
	if err != nil || runs["1"] == nil || runs["1"].OK || !strings.HasPrefix(runs["1"].Error, "ungrounded: ") {
		t.Fatalf("stored %+v, %v", runs["1"], err)
	}
}

func TestUngrounded(t *testing.T) {
	t.Parallel()
	tracking := &tool.Tool{
		Source: "def swap(pairs, moves):\n    return dict(pairs)\n",
		Examples: []tool.UsageExample{{
			Question: "Alice has a red ball, Bob has a blue ball. Alice and Bob swap. Alice has the\nOptions:\n(A) red ball\n(B) blue ball",
			Code:     `ret = swap([("Alice", "red ball"), ("Bob", "blue ball")], [("Alice", "Bob")])` + "\noptions = [\"red ball\", \"blue ball\"]\nans = options.index(ret[\"Alice\"]) + 1",
		}},
	}
	meeting := &tool.Tool{
		Source: "def slot(a, b, minutes, default='No time slot works.'):\n    return None\n",
		Examples: []tool.UsageExample{{
			Question: "A and B want to schedule a 1-hour meeting together. A's availability: 12:00 - 12:30. B's availability: 12:00 - 13:00.",
			Code:     "ans = slot([('12:00', '12:30')], [('12:00', '13:00')], 60)",
		}},
	}
	dyck := &tool.Tool{
		Source:   "def close(s):\n    return s\n",
		Examples: []tool.UsageExample{{Question: "Input: ({{}}", Code: `ans = close("({{}}")`}},
	}
	for _, tc := range []struct {
		tl       *tool.Tool
		question string
		code     string
		want     []string // ungrounded literals
	}{
		{digitSumTool(), digitQ, "ans = digit_sum(12345)", nil},
		{digitSumTool(), digitQ, "ans = digit_sum(530141610758)", []string{"530141610758"}},
		{digitSumTool(), digitQ, "# 907 is an example\nans = digit_sum(12345)", nil}, // a comment is not code
		{digitSumTool(), digitQ, `ans = digit_sum(int("907"))`, []string{"907"}},
		// Option texts and index arithmetic come from this question or are
		// constants of the examples' code.
		{tracking, "Carol has a green hat, Dan has a red ball. Carol and Dan swap. Carol has the\nOptions:\n(A) green hat\n(B) red ball",
			`ret = swap([("Carol", "green hat"), ("Dan", "red ball")], [("Carol", "Dan")])` + "\noptions = [\"green hat\", \"red ball\"]\nans = options.index(ret[\"Carol\"]) + 1", nil},
		{tracking, "Carol has a green hat, Dan has a red ball. Carol and Dan swap. Carol has the",
			`ret = swap([("Carol", "green hat"), ("Bob", "blue ball")], [("Carol", "Dan")])`, []string{"Bob", "blue ball"}},
		// 60 is derived from "1-hour" in the example too; a default of the
		// tool is a constant of the tool.
		{meeting, "A and B want to schedule a 1-hour meeting together. A's availability: 09:00 - 10:00. B's availability: 09:30 - 11:00.",
			"ans = slot([('09:00', '10:00')], [('09:30', '11:00')], 60)\nif ans == None:\n    ans = 'No time slot works.'", nil},
		{meeting, "A and B want to schedule a 1-hour meeting together. A's availability: 09:00 - 10:00. B's availability: 09:30 - 11:00.",
			"ans = slot([('09:00', '10:00')], [('12:00', '13:00')], 60)", []string{"12:00", "13:00"}},
		// A bracket string unspaced from a spaced question is grounded.
		{dyck, "Input: ( { { } }", `ans = close("({{}}")`, nil},
		{dyck, "Input: ( [ ]", `ans = close("({{}}")`, []string{"({{}}"}},
	} {
		var got []string
		for _, r := range ungrounded(tc.tl, tc.question, tc.code) {
			got = append(got, r.lit.text)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ungrounded(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

func FuzzLiterals(f *testing.F) {
	f.Add(`ans = f("a\"b", 'c', 12, -3.5) # 7`, "q 12")
	f.Add(`"""x`, "")
	f.Fuzz(func(t *testing.T, code, q string) {
		tl := &tool.Tool{Source: code, Examples: []tool.UsageExample{{Question: q, Code: code}}}
		for _, l := range literals(code) {
			if !l.number && !strings.Contains(code, l.text) {
				t.Fatalf("string literal %q is not in the code", l.text)
			}
		}
		ungrounded(tl, q, code)
	})
}

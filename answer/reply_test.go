package answer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFromReplyChainOfThought pins the reading of replies to BIG-Bench
// Hard's chain-of-thought prompts, in the shapes real models write them.
func TestFromReplyChainOfThought(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ reply, want string }{
		{"The red book is leftmost. So the answer is (B).", "(B)"},
		{"Summing up, the answer is 14687.", "14687"},
		{"So the answer is 14687.   \n", "14687"},
		{"So the answer is ] ] ).", "] ] )"},
		{"We close them in order.\nSo the answer is } ] >.", "} ] >"},
		{"So the answer is apple banana kiwi.", "apple banana kiwi"},
		{"So the answer is No time slot works.", "No time slot works."},
		{"So the answer is 10:30 - 12:00.", "10:30 - 12:00"},
		// Two on one line: the last is the answer.
		{"At first the answer is (A). Rechecking, the answer is (C).", "(C)"},
		{"The answer is 42. Wait, no.\nSo the answer is 43.", "43"},
		{"So the answer is **(D)**.", "(D)"},
		{"**So the answer is (E).**", "(E)"},
		{"So the answer is: (A)", "(A)"},
		{"So the answer is `] )`.", "] )"},
		{"So the answer is (B) the blue jay.", "(B)"},
		{"Therefore, the final answer is 3929.", "3929"},
		{"So THE ANSWER IS (C).", "(C)"},
		{"So the answer is $\\boxed{27043}$.", "27043"},
		{"So the answer is \"apple banana\".", "apple banana"},
		{"reasoning\nAnswer: 10:30 - 12:00", "10:30 - 12:00"},
		{"149466", "149466"},
		{"08:00 - 08:30\n", "08:00 - 08:30"},
		// A completion that runs on into a made-up next question.
		{"36891\n\nQ: There is a bag of no more than 100 apples. How many?\nA: 12", "36891"},
		{"So the answer is (A).\n\nQ: Which is first?\nA: Let's think step by step. So the answer is (C).", "(A)"},
		{"I think it is\n(C)", "(C)"},
		{"", ""},
	} {
		if got := FromReply(tc.reply); got != tc.want {
			t.Errorf("FromReply(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

// TestFromReplyDirect pins the reading of replies to the direct prompt,
// which asks for an "Answer:" line, and of what models send instead.
func TestFromReplyDirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ reply, want string }{
		{"Answer: (B)", "(B)"},
		{"Let me see.\nAnswer: apple banana kiwi", "apple banana kiwi"},
		{"Answer: 14687.", "14687"},
		{"Answer: 14687   \n", "14687"},
		{"Answer: ] ] )", "] ] )"},
		{"Answer: No time slot works.", "No time slot works."},
		{"Answer: 10:30 - 12:00", "10:30 - 12:00"},
		{"**Answer:** (B)", "(B)"},
		{"**Answer**: (C)", "(C)"},
		{"### Answer: 3929", "3929"},
		{"Final answer: (D)", "(D)"},
		{"Final Answer: **(E)**", "(E)"},
		{"answer: 27043", "27043"},
		{"Answer:\n(A)", "(A)"},
		{"Answer: (B) the blue jay", "(B)"},
		{"Answer: `} ]`", "} ]"},
		{"Answer: (A)\nActually, reconsidering.\nAnswer: (C)", "(C)"},
		{"The order is alphabetical.\nAnswer: ant bee cat\n", "ant bee cat"},
		{"Thinking it through, the answer is (B).", "(B)"},
		{"(C)", "(C)"},
		{"Answer: $\\boxed{149466}$", "149466"},
		{"Answer: \"ant bee\"", "ant bee"},
		{"", ""},
	} {
		if got := FromReply(tc.reply); got != tc.want {
			t.Errorf("FromReply(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

// TestFromReplyAnyShape covers what neither prompt asks for but models
// write: the two markers mixed (the last stands), "So the answer is X."
// to the direct prompt (a stream of 180 instances once lost every strong-
// model answer to it), boxes anywhere, smart quotes, and matrix shapes that
// look like option letters but are not.
func TestFromReplyAnyShape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ reply, want string }{
		{"Let's think step by step.\nThe swaps leave Claire with the red ball. So the answer is (C).", "(C)"},
		{"Alice ends with Patrick.\n\nSo the answer is Patrick.", "Patrick"},
		{"Answer: (A)\nOn reflection, the answer is (C).", "(C)"},
		{"So the answer is (A).\nAnswer: (B)", "(B)"},
		{"We get 42, so $\\boxed{42}$ is it.", "42"},
		{"The answer is \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"},
		{"Answer: \\boxed{7}\nthe answer is 8", "8"},
		{"Answer: “apple banana”", "apple banana"},
		{"Answer: (4,3,2,3)", "(4,3,2,3)"},
		{"**Final Answer:** `(24,32)`", "(24,32)"},
		{"Answer: **No time slot works.**", "No time slot works."},
		{"The correct answer is: (E) Melissa.", "(E)"},
		{"  \n\n  ", ""},
		{"Answer:", ""},
		{"the answer is", ""},
	} {
		if got := FromReply(tc.reply); got != tc.want {
			t.Errorf("FromReply(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

// TestFromReplyOnTheCoTExemplars reads every worked solution of the
// BIG-Bench Hard chain-of-thought prompts (three per task, 30 tasks), as a
// model imitating them writes, and checks the answer each one states.
func TestFromReplyOnTheCoTExemplars(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "shared", "data", "latm", "cot-prompts", "*.txt"))
	if err != nil || len(files) == 0 {
		files, _ = filepath.Glob("/work/shared/data/latm/cot-prompts/*.txt")
	}
	if len(files) == 0 {
		t.Skip("the BIG-Bench Hard chain-of-thought prompts are not on this machine")
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range strings.Split(string(b), "\nQ: ")[1:] {
			_, sol, ok := strings.Cut(block, "\nA: ")
			if !ok {
				t.Fatalf("%s: an exemplar without \"A: \": %.60q", f, block)
			}
			sol = strings.TrimSpace(sol)
			// The stated answer: the solution's last line, after "So the
			// answer is " when it has one, without the sentence's period.
			last := sol[strings.LastIndex(sol, "\n")+1:]
			if i := strings.LastIndex(last, "the answer is "); i >= 0 {
				last = strings.TrimSuffix(last[i+len("the answer is "):], ".")
			}
			if got := FromReply(sol); got != last {
				t.Errorf("%s: FromReply(…%q) = %q, want %q", filepath.Base(f), tail(sol, 80), got, last)
			}
			n++
		}
	}
	if n < 90 {
		t.Errorf("read %d exemplars, want the 90 of 30 tasks", n)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// FuzzFromReply: no reply crashes the reader, and what it reads is a piece
// of the reply itself, on one line, with no surrounding space.
func FuzzFromReply(f *testing.F) {
	for _, s := range []string{
		"So the answer is (B).", "Answer: **(C)**", "$\\boxed{{}}$", "\\boxed{", "Answer:\n", "answer is\n\nQ: x",
		"“", "'\"", "**Answer:** `] )`.", "(A) x\n(B) y", "the answer is the answer is 3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		got := FromReply(reply)
		if !strings.Contains(reply, got) {
			t.Fatalf("FromReply(%q) = %q, not a piece of the reply", reply, got)
		}
		if strings.ContainsAny(got, "\n") || strings.TrimSpace(got) != got {
			t.Fatalf("FromReply(%q) = %q: not one trimmed line", reply, got)
		}
	})
}

// A reply of many unclosed boxes is read in time linear in its length.
func TestFromReplyManyUnclosedBoxes(t *testing.T) {
	t.Parallel()
	reply := strings.Repeat(`\boxed{`, 200000) + "\nAnswer: 3"
	if got := FromReply(reply); got != "3" {
		t.Fatalf("got %q", got)
	}
}

package eval

import "testing"

// TestExtractCoTReplyShapes pins the chain-of-thought answer extraction on
// reply shapes real models produce after the BIG-Bench Hard prompts.
func TestExtractCoTReplyShapes(t *testing.T) {
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
		if got := extractCoT(tc.reply); got != tc.want {
			t.Errorf("extractCoT(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

// TestExtractDirectReplyShapes pins the direct answer extraction on the
// "Answer:" line the direct prompt asks for, and on what models send instead.
func TestExtractDirectReplyShapes(t *testing.T) {
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
		if got := extractDirect(tc.reply); got != tc.want {
			t.Errorf("extractDirect(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

package dispatch

import (
	"testing"

	"github.com/latm/latm/tool"
)

// Replies real dispatcher models give: decorated, lowercase, with an
// explanation, or as a sentence. Each must resolve to the named candidate,
// and anything that does not name exactly one candidate must be unknown.
func TestPickToolReplyVariants(t *testing.T) {
	t.Parallel()
	byName := candidateIndex([]*tool.Tool{
		{Name: "word_sorting"}, {Name: "dyck_languages"}, {Name: "logical_deduction_three_objects"},
	})
	for _, tc := range []struct{ reply, want string }{
		{"Task: word_sorting", "word_sorting"},
		{"Task: word_sorting.", "word_sorting"},
		{"**Task:** word_sorting", "word_sorting"},
		{"**Task: word_sorting**", "word_sorting"},
		{"task: WORD_SORTING", "word_sorting"},
		{"Task: `word_sorting`", "word_sorting"},
		{"Task: word sorting", "word_sorting"},
		{"Task: word-sorting", "word_sorting"},
		{"Task: word_sorting (the question asks to sort words)", "word_sorting"},
		{"Task: word_sorting - sorting words alphabetically", "word_sorting"},
		{"Task: word_sorting, since it asks for alphabetical order.", "word_sorting"},
		{"The task is word_sorting", "word_sorting"},
		{"The task is word_sorting.", "word_sorting"},
		{"The task is: **dyck_languages**", "dyck_languages"},
		{"Looking at the question, it closes brackets.\n\nTask: dyck_languages", "dyck_languages"},
		{"Task: I believe this is dyck_languages", "dyck_languages"},
		{"Task: logical_deduction_three_objects", "logical_deduction_three_objects"},
		{"Task: unknown", ""},
		{"Task: Unknown.", ""},
		{"task: unknown (it is not word_sorting)", ""},
		{"Task: none of the above", ""},
		{"Task: not word_sorting", ""},
		{"Task: word_sorting or dyck_languages", ""},
		{"Task: logical_deduction", ""},
		{"Task: no_such_tool", ""},
		{"I am not sure what you mean.", ""},
		{"word_sorting", "word_sorting"},
		{"word_sorting is my guess", ""},
		{"", ""},
		{"Task:", ""},
		{"Task: word_sorting\nTask: dyck_languages", "dyck_languages"},
	} {
		got := ""
		if tool := pickTool(tc.reply, byName); tool != nil {
			got = tool.Name
		}
		if got != tc.want {
			t.Errorf("reply %q: picked %q, want %q", tc.reply, got, tc.want)
		}
	}
}

func FuzzPickTool(f *testing.F) {
	f.Add("Task: word_sorting")
	f.Add("**Task:** `dyck_languages`.")
	f.Add("The task is: unknown")
	byName := candidateIndex([]*tool.Tool{{Name: "word_sorting"}, {Name: "dyck_languages"}})
	f.Fuzz(func(t *testing.T, reply string) {
		tool := pickTool(reply, byName)
		if tool != nil && byName[normName(tool.Name)] != tool {
			t.Errorf("reply %q picked %q, not a candidate", reply, tool.Name)
		}
		_ = ParseReply(reply)
	})
}

package answer

import "strings"

// Correct scores got against the target want as the paper does: exact
// match after trimming surrounding space; for Dyck languages, spaces are
// removed on both sides first. task names the BIG-Bench Hard task when it
// is known; with task "" (a tool's own usage examples, whose task is not
// recorded) a target made only of brackets is scored as Dyck.
func Correct(task, got, want string) bool {
	got, want = strings.TrimSpace(got), strings.TrimSpace(want)
	if task == "dyck_languages" || task == "" && isBrackets(want) {
		got, want = strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(want, " ", "")
	}
	return got == want
}

func isBrackets(s string) bool {
	return s != "" && strings.Trim(s, "()[]{}<> ") == ""
}

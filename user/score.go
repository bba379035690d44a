package user

import "strings"

// Correct scores an answer as the paper does: exact match after trimming,
// with spaces removed on both sides for Dyck languages. Making a tool
// (maker) and evaluating one (eval) both judge answers by it.
func Correct(task, got, want string) bool {
	got, want = strings.TrimSpace(got), strings.TrimSpace(want)
	if task == "dyck_languages" {
		got, want = strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(want, " ", "")
	}
	return got == want
}

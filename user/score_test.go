package user

import "testing"

func TestCorrectDyck(t *testing.T) {
	if !Correct("dyck_languages", ") ]", ")]") {
		t.Error("dyck answers should ignore spaces")
	}
	if Correct("word_sorting", "a  b", "a b") {
		t.Error("other tasks must match exactly")
	}
}

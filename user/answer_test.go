package user

import (
	"errors"
	"strings"
	"testing"

	"github.com/latm/latm/starlarkrt"
)

const trackingFive = "Alice, Bob, Claire, Dave, and Eve are dancers at a square dance. At the start of a song, they each have a partner: Alice is dancing with Patrick, Bob is dancing with Sam, Claire is dancing with Jamie, Dave is dancing with Lola, and Eve is dancing with Melissa.\nThroughout the song, the dancers often trade partners. First, Dave and Eve switch partners. Then, Dave and Alice switch partners. Then, Eve and Alice switch partners. Then, Claire and Bob switch partners. Finally, Dave and Alice switch partners. At the end of the dance, Alice is dancing with\nOptions:\n(A) Patrick\n(B) Sam\n(C) Jamie\n(D) Lola\n(E) Melissa"

func TestAnswerVarAndFinalAnswer(t *testing.T) {
	t.Parallel()
	res := &starlarkrt.ExecResult{
		Globals: map[string]any{"answer_tmp": "x", "ans": "Sam", "words": []any{"a"}, "ans2": "Lola", "zz": int64(1)},
		Order:   []string{"words", "ans", "ans2", "zz"},
	}
	if got := AnswerVar(res); got != "ans2" {
		t.Fatalf("AnswerVar = %q, want the last ans… in assignment order", got)
	}
	got, err := FinalAnswer(trackingFive, res)
	if err != nil || got != "(D)" {
		t.Fatalf("FinalAnswer = %q, %v", got, err)
	}
	if got := RawResult(res); got != `"Lola"` {
		t.Errorf("RawResult = %s", got)
	}
	none := &starlarkrt.ExecResult{Globals: map[string]any{"x": int64(1)}, Order: []string{"x"}}
	if AnswerVar(none) != "" || AnswerVar(nil) != "" {
		t.Error("AnswerVar found an answer where there is none")
	}
	_, err = FinalAnswer("q", none)
	if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "no variable named ans") {
		t.Errorf("FinalAnswer without ans: %v", err)
	}
}

func TestUnfencedCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply, want string
		ok          bool
	}{
		{"Here is the call:\nwords = 'b a'.split()\nans = ' '.join(sort_words(words))\nThat gives the answer.", "words = 'b a'.split()\nans = ' '.join(sort_words(words))\n", true},
		{"ans = solve(\"q\")", "ans = solve(\"q\")\n", true},
		{"ret = f(1)\nans = ret[0]\nans_letter = '(A)'\nDone.", "ret = f(1)\nans = ret[0]\nans_letter = '(A)'\n", true},
		{"The answer is 42.", "", false},
		{"```\nans = 1\n```", "", false}, // fenced: CodeBlocks reads it
		{"x = 1\nif ans == 2: pass", "", false},
	} {
		got, ok := unfencedCode(tc.reply)
		if ok != tc.ok || got != tc.want {
			t.Errorf("unfencedCode(%q) = %q, %v; want %q, %v", tc.reply, got, ok, tc.want, tc.ok)
		}
	}
}

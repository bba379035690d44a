package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadJSONLTask: any task file loads or fails with an error naming the
// file, never panics, and a loaded task keeps the paper's split.
func FuzzLoadJSONLTask(f *testing.F) {
	line := `{"question": "q", "answer": "a"}` + "\n"
	f.Add(strings.Repeat(line, 11))
	f.Add(strings.Repeat(line, 10) + `{"question": 1}`)
	f.Add("\n\n{")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(dir, "fuzz.jsonl")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		task, err := LoadTask(path)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.jsonl") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if len(task.Train) != 5 || len(task.Valid) != 5 || len(task.Test) < 1 {
			t.Errorf("split %d/%d/%d", len(task.Train), len(task.Valid), len(task.Test))
		}
		for _, e := range append(append(task.Train, task.Valid...), task.Test...) {
			if e.Question == "" || e.Answer == "" {
				t.Errorf("empty example loaded: %+v", e)
			}
		}
	})
}

// FuzzReadResults: any file given to eval compare is read or refused with
// an error naming it, and whatever is read can be compared and printed.
func FuzzReadResults(f *testing.F) {
	f.Add(`{"latm_version": "1", "rows": [{"task": "t", "method": "latm", "accuracy": 50}]}`)
	f.Add(`{"roles": {"user": {"model": "m"}}, "rows": null}`)
	f.Add(`[1, 2`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadResults(path)
		if err != nil {
			if !strings.Contains(err.Error(), "r.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		var b strings.Builder
		Compare(&b, r, r, "a", "b")
		Markdown(&b, r)
	})
}

package bbh

import (
	"strings"
	"testing"
)

func TestPaperTasksSplit(t *testing.T) {
	for _, task := range PaperTasks {
		s, err := LoadSplit(task)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(s.Train)+len(s.Valid)+len(s.Test), 250; got != want {
			t.Errorf("%s: %d examples, want %d", task, got, want)
		}
		if got, want := len(s.Test), 240; got != want {
			t.Errorf("%s: %d test examples, want %d", task, got, want)
		}
		for i, ex := range s.Test {
			if ex.Question == "" || ex.Answer == "" {
				t.Fatalf("%s: test example %d is empty", task, i)
			}
		}
		p, err := CoTPrompt(task)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p, "canary") || !strings.Contains(p, "Q:") {
			t.Errorf("%s: CoT prompt not stripped or not a prompt: %.80q", task, p)
		}
	}
}

func TestUnknownTask(t *testing.T) {
	_, err := Load("no_such_task")
	if err == nil || !strings.Contains(err.Error(), "word_sorting") {
		t.Fatalf("want an error listing the bundled tasks, got %v", err)
	}
	if n := len(Tasks()); n < 27 {
		t.Fatalf("want all bundled BIG-Bench Hard tasks, got %d", n)
	}
}

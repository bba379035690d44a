package eval

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
)

func TestLoadTask(t *testing.T) {
	t.Parallel()
	task, err := LoadTask("word_sorting")
	if err != nil {
		t.Fatal(err)
	}
	if len(task.Train) != 5 || len(task.Valid) != 5 || len(task.Test) != 240 || task.CoT == "" {
		t.Fatalf("word_sorting split %d/%d/%d, cot %d bytes", len(task.Train), len(task.Valid), len(task.Test), len(task.CoT))
	}
	if _, err := LoadTask("no_such_task"); err == nil || !strings.Contains(err.Error(), ".jsonl") {
		t.Errorf("unknown task: %v", err)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "mine.jsonl")
	var b strings.Builder
	for i := 0; i < 12; i++ {
		b.WriteString(`{"question": "q", "answer": "a"}` + "\n\n")
	}
	os.WriteFile(good, []byte(b.String()), 0o644)
	task, err = LoadTask(good)
	if err != nil {
		t.Fatal(err)
	}
	if task.Name != "mine" || len(task.Test) != 2 {
		t.Errorf("jsonl task %q with %d test examples", task.Name, len(task.Test))
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"question": "q", "answer": "a"}`+"\n{oops\n"), 0o644)
	if _, err := LoadTask(bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Errorf("bad line not named: %v", err)
	}
	short := filepath.Join(dir, "short.jsonl")
	os.WriteFile(short, []byte(`{"question": "q", "answer": "a"}`+"\n"), 0o644)
	if _, err := LoadTask(short); err == nil || !strings.Contains(err.Error(), "at least 11") {
		t.Errorf("short task: %v", err)
	}
}

func TestCheckpointSurvivesTornLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cp.jsonl")
	cp, err := openCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	cp.append(instance{Kind: "instance", Task: "t", Method: "cot", Index: 0, Answer: "x", Correct: true, usage: usage{Calls: 1, Cost: 0.5}})
	cp.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"kind":"instance","task":"t","met`) // killed mid-write
	f.Close()

	cp, err = openCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := cp.done("t", "cot", 0, "", "")
	if !ok || !in.Correct || in.Cost != 0.5 {
		t.Fatalf("lost the finished instance: %+v %v", in, ok)
	}
	cp.append(instance{Kind: "instance", Task: "t", Method: "cot", Index: 1, Answer: "y"})
	cp.Close()
	cp, _ = openCheckpoint(path)
	defer cp.Close()
	if _, ok := cp.done("t", "cot", 1, "", ""); !ok {
		t.Fatal("record after a torn line was glued to it and lost")
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	a := &Results{LATMVersion: "1", Roles: map[string]RoleInfo{"user": {Model: "m1", Endpoint: "e"}}, PromptHashes: map[string]string{"use": "aa"},
		Rows: []Row{{Task: "word_sorting", Method: "latm", Accuracy: 50, Cost: 1}, {Task: "word_sorting", Method: "cot", Accuracy: 40}}}
	b := &Results{LATMVersion: "1", Roles: map[string]RoleInfo{"user": {Model: "m2", Endpoint: "e"}}, PromptHashes: map[string]string{"use": "bb"},
		Rows: []Row{{Task: "word_sorting", Method: "latm", Accuracy: 75, Cost: 2}}}
	var out bytes.Buffer
	Compare(&out, a, b, "a.json", "b.json")
	s := out.String()
	for _, want := range []string{"user: m1 @ e → m2 @ e", "prompt use changed", "| word_sorting | latm | 50.0% | 75.0% | +25.0 |", "| word_sorting | cot | 40.0% | — | — |"} {
		if !strings.Contains(s, want) {
			t.Errorf("compare output lacks %q:\n%s", want, s)
		}
	}
}

// TestPaperSplit: every bundled task of the paper splits 0–4 train, 5–9
// validation, 10–249 test, in file order.
func TestPaperSplit(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"logical_deduction_five_objects", "tracking_shuffled_objects_five_objects", "dyck_languages",
		"word_sorting", "chinese_remainder_theorem", "schedule_meeting"} {
		all, err := bbh.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		task, err := LoadTask(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 250 || len(task.Train) != 5 || len(task.Valid) != 5 || len(task.Test) != 240 {
			t.Fatalf("%s: %d examples split %d/%d/%d", name, len(all), len(task.Train), len(task.Valid), len(task.Test))
		}
		for _, c := range []struct {
			got Example
			i   int
		}{{task.Train[0], 0}, {task.Train[4], 4}, {task.Valid[0], 5}, {task.Valid[4], 9}, {task.Test[0], 10}, {task.Test[239], 249}} {
			if c.got.Question != all[c.i].Question || c.got.Answer != all[c.i].Answer {
				t.Errorf("%s: split puts another example where example %d belongs", name, c.i)
			}
		}
		if task.CoT == "" {
			t.Errorf("%s: no CoT prompt bundled", name)
		}
	}
}

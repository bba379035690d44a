package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/latm/latm/internal/bbh"
)

// Task is one benchmark task with the paper's split.
type Task struct {
	Name  string
	Train []Example // the maker sees the first three
	Valid []Example // the maker verifies on the first three
	Test  []Example // scored
	CoT   string    // few-shot chain-of-thought prompt; "" if none
}

// Example is one solved instance.
type Example struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Hash identifies the task's examples and CoT prompt, so that two results
// files can tell whether they were measured on the same data.
func (t *Task) Hash() string {
	all := append(append(append([]Example{}, t.Train...), t.Valid...), t.Test...)
	return exampleHash(append(all, Example{Question: "cot", Answer: t.CoT})...)
}

// LoadTask resolves a name from --tasks: a bundled BIG-Bench Hard task, or a
// path to a JSONL file of {"question", "answer"} lines split like the paper
// (5 train, 5 validation, the rest test).
func LoadTask(spec string) (*Task, error) {
	if strings.HasSuffix(spec, ".jsonl") || strings.ContainsRune(spec, os.PathSeparator) {
		return loadJSONLTask(spec)
	}
	s, err := bbh.LoadSplit(spec)
	if err != nil {
		return nil, fmt.Errorf("task %q: %w (or give a .jsonl file)", spec, err)
	}
	t := &Task{Name: spec, Train: fromBBH(s.Train), Valid: fromBBH(s.Valid), Test: fromBBH(s.Test)}
	t.CoT, _ = bbh.CoTPrompt(spec) // the few tasks without one run no cot method
	return t, nil
}

func fromBBH(in []bbh.Example) []Example {
	out := make([]Example, len(in))
	for i, e := range in {
		out[i] = Example{Question: e.Question, Answer: e.Answer}
	}
	return out
}

func loadJSONLTask(path string) (*Task, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("task file: %w", err)
	}
	defer f.Close()
	var ex []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Example
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %v (want {\"question\": \"…\", \"answer\": \"…\"})", path, n, err)
		}
		if e.Question == "" || e.Answer == "" {
			return nil, fmt.Errorf("%s:%d: both \"question\" and \"answer\" must be non-empty strings", path, n)
		}
		ex = append(ex, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ex) < bbh.ValidEnd+1 {
		return nil, fmt.Errorf("%s: %d examples; a task needs at least %d (5 train, 5 validation, 1 or more test)", path, len(ex), bbh.ValidEnd+1)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return &Task{Name: name, Train: ex[:bbh.TrainEnd], Valid: ex[bbh.TrainEnd:bbh.ValidEnd], Test: ex[bbh.ValidEnd:]}, nil
}

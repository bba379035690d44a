// Package bbh bundles the BIG-Bench Hard task files and the few-shot
// chain-of-thought prompts that latm's evaluation, dispatcher benchmark and
// tests use, so that the binary and the test suite need no files beside them.
//
// The six tasks of the tool-making paper use its split: examples 0–4 train,
// 5–9 validation, 10–249 test. The other tasks are bundled whole; they serve as
// "unknown" tasks for the dispatcher.
package bbh

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

//go:embed data/tasks/*.json data/cot/*.txt
var files embed.FS

// Example is one solved instance of a task.
type Example struct {
	Question string `json:"input"`
	Answer   string `json:"target"`
}

// PaperTasks are the six tasks the tool-making paper evaluates, in its order.
var PaperTasks = []string{
	"logical_deduction_five_objects",
	"tracking_shuffled_objects_five_objects",
	"dyck_languages",
	"word_sorting",
	"chinese_remainder_theorem",
	"schedule_meeting",
}

// The paper's split of each task's examples.
const (
	TrainEnd = 5  // examples [0, 5) are for training
	ValidEnd = 10 // examples [5, 10) are for validation; the rest are test
)

// Tasks lists the names of every bundled task, sorted.
func Tasks() []string {
	entries, err := files.ReadDir("data/tasks")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Load returns every example of the named task, in file order.
func Load(task string) ([]Example, error) {
	data, err := files.ReadFile(path.Join("data/tasks", task+".json"))
	if err != nil {
		return nil, fmt.Errorf("bbh: no bundled task %q (have: %s)", task, strings.Join(Tasks(), ", "))
	}
	var doc struct {
		Examples []Example `json:"examples"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("bbh: task %q: %w", task, err)
	}
	return doc.Examples, nil
}

// Split is a task's examples divided as in the paper.
type Split struct {
	Train, Valid, Test []Example
}

// LoadSplit returns the named task divided as in the paper.
func LoadSplit(task string) (Split, error) {
	ex, err := Load(task)
	if err != nil {
		return Split{}, err
	}
	if len(ex) < ValidEnd {
		return Split{}, fmt.Errorf("bbh: task %q has %d examples, want at least %d", task, len(ex), ValidEnd)
	}
	return Split{Train: ex[:TrainEnd], Valid: ex[TrainEnd:ValidEnd], Test: ex[ValidEnd:]}, nil
}

// CoTPrompt returns the few-shot chain-of-thought prompt of the named task,
// without the canary header line.
func CoTPrompt(task string) (string, error) {
	data, err := files.ReadFile(path.Join("data/cot", task+".txt"))
	if err != nil {
		return "", fmt.Errorf("bbh: no chain-of-thought prompt for task %q", task)
	}
	s := string(data)
	if _, rest, ok := strings.Cut(s, "-----\n"); ok && strings.HasPrefix(s, "BENCHMARK DATA") {
		s = rest
	}
	return s, nil
}

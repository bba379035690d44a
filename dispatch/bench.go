package dispatch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/latm/latm/internal/bbh"
)

// Stage-1 benchmark on the bundled BIG-Bench Hard tasks: tools are
// represented by their usage-example questions (examples 5–9 of a task,
// the paper's validation split), instances come from the test split, and
// every instance is scored against every tool directly (no index).

// Outcome is one stage-1 decision in the benchmark.
type Outcome struct {
	Confident bool // decided without a model
	Correct   bool // the confident decision was right (false if not confident)
}

// SetResult sums the outcomes of one random set.
type SetResult struct {
	N, Confident, Correct int
}

// Accuracy is the share of confident decisions that were right.
func (s SetResult) Accuracy() float64 { return ratio(s.Correct, s.Confident) }

// NoModel is the share of instances decided without a model.
func (s SetResult) NoModel() float64 { return ratio(s.Confident, s.N) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// BenchTask is a task's profile and its test questions.
type BenchTask struct {
	Name    string
	Profile *Profile
	Test    []string
}

// LoadBenchTasks builds the profile of every bundled task from examples
// 5–9 and keeps its test questions.
func LoadBenchTasks() (map[string]*BenchTask, error) {
	out := map[string]*BenchTask{}
	for _, name := range bbh.Tasks() {
		sp, err := bbh.LoadSplit(name)
		if err != nil {
			return nil, err
		}
		bt := &BenchTask{Name: name}
		var qs []string
		for _, e := range sp.Valid {
			qs = append(qs, e.Question)
		}
		for _, e := range sp.Test {
			bt.Test = append(bt.Test, e.Question)
		}
		bt.Profile = NewProfile(qs)
		out[name] = bt
	}
	return out, nil
}

// Decide is stage 1 over a fixed set of tools: the tool routed to (""
// for unknown) and whether the decision was confident.
func Decide(th Thresholds, tools []*BenchTask, question string) (tool string, confident bool) {
	shs := shingles(question)
	best, second, name := 0.0, 0.0, ""
	var bestTask *BenchTask
	for _, t := range tools {
		s := t.Profile.score(shs)
		switch {
		case s > best:
			best, second, name, bestTask = s, best, t.Name, t
		case s > second:
			second = s
		}
	}
	switch {
	case best >= th.Accept && best-second >= th.Margin:
		if bestTask.Profile.Misfit(question) != "" {
			return "", false // the route guard sends it to the model
		}
		return name, true
	case best < th.Reject:
		return "", true
	}
	return "", false
}

// Identification runs the paper's first set-up: tools for the tasks,
// n instances mixed from their test splits, each to be routed to its tool.
func Identification(th Thresholds, all map[string]*BenchTask, tasks []string, n int, rng *rand.Rand) SetResult {
	tools := pick(all, tasks)
	var r SetResult
	for range n {
		t := tools[rng.IntN(len(tools))]
		q := t.Test[rng.IntN(len(t.Test))]
		got, ok := Decide(th, tools, q)
		r.add(ok, got == t.Name)
	}
	return r
}

// NewTask runs the paper's second set-up: tools for known, n instances
// mixed from the test splits of the tasks in seen (which have tools) and
// unseen (which do not); right is "existing tool" for the first and
// "unknown" for the second.
func NewTask(th Thresholds, all map[string]*BenchTask, known, seen, unseen []string, n int, rng *rand.Rand) SetResult {
	tools := pick(all, known)
	from := append(append([]string{}, seen...), unseen...)
	var r SetResult
	for range n {
		name := from[rng.IntN(len(from))]
		t := all[name]
		q := t.Test[rng.IntN(len(t.Test))]
		got, ok := Decide(th, tools, q)
		want := ""
		if slices.Contains(seen, name) {
			want = name
		}
		r.add(ok, (got != "") == (want != ""))
	}
	return r
}

func (r *SetResult) add(confident, correct bool) {
	r.N++
	if confident {
		r.Confident++
		if correct {
			r.Correct++
		}
	}
}

func pick(all map[string]*BenchTask, names []string) []*BenchTask {
	out := make([]*BenchTask, 0, len(names))
	for _, n := range names {
		out = append(out, all[n])
	}
	return out
}

// Family names a task's family: the three, five and seven objects
// variants of a BIG-Bench Hard task are one family (the same task at
// another size), so the benchmark never counts one as unknown to another.
func Family(task string) string { return family(task) }

// MeanStd returns the mean and the sample standard deviation of xs.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// FormatPct renders mean ± std of shares as percentages.
func FormatPct(xs []float64) string {
	m, s := MeanStd(xs)
	return fmt.Sprintf("%.1f%% ± %.1f", 100*m, 100*s)
}

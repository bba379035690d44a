package library

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/tool"
)

// retrievalAccuracy saves one tool per task (its name and the questions of
// its training examples as usage examples, as the maker would) and returns
// the fraction of test instances whose top search hit is their own task.
func retrievalAccuracy(t testing.TB, tasks []string) (float64, map[string]float64) {
	t.Helper()
	ctx := context.Background()
	s := mustOpen(t)
	tests := map[string][]bbh.Example{}
	for _, task := range tasks {
		split, err := bbh.LoadSplit(task)
		if err != nil {
			t.Fatal(err)
		}
		tl := &tool.Tool{Name: task, Description: strings.ReplaceAll(task, "_", " "), Source: "x = 1\n"}
		for _, ex := range split.Train[:3] {
			tl.Examples = append(tl.Examples, tool.UsageExample{Question: ex.Question, Code: "ans = x", Answer: ex.Answer})
		}
		if err := s.SaveTool(ctx, tl); err != nil {
			t.Fatal(err)
		}
		// Every third test instance keeps the test fast and still holds
		// about 80 per task.
		for i := 0; i < len(split.Test); i += 3 {
			tests[task] = append(tests[task], split.Test[i])
		}
	}
	var right, total int
	perTask := map[string]float64{}
	for _, task := range tasks {
		ok := 0
		for _, ex := range tests[task] {
			hits, err := s.SearchTools(ctx, ex.Question, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) > 0 && hits[0].Name == task {
				ok++
			}
		}
		perTask[task] = float64(ok) / float64(len(tests[task]))
		right += ok
		total += len(tests[task])
	}
	return float64(right) / float64(total), perTask
}

// TestRetrievalOnBBH pins how well full-text search alone (the
// dispatcher's stage 1) routes BIG-Bench Hard instances to their task's
// tool. No model is involved.
func TestRetrievalOnBBH(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tasks []string
		min   float64
	}{
		{"paper tasks", bbh.PaperTasks, 0.99},
		{"all tasks", bbh.Tasks(), 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			retrievalAtLeast(t, tt.name, tt.tasks, tt.min)
		})
	}
}

// retrievalAtLeast fails t when top-1 retrieval over tasks is below min.
func retrievalAtLeast(t *testing.T, name string, tasks []string, min float64) {
	acc, per := retrievalAccuracy(t, tasks)
	var worst []string
	for task, a := range per {
		if a < 0.9 {
			worst = append(worst, fmt.Sprintf("%s %.2f", task, a))
		}
	}
	t.Logf("%s: top-1 %.4f over %d tasks; below 0.9: %v", name, acc, len(tasks), worst)
	if acc < min {
		t.Errorf("%s: top-1 retrieval %.4f, want at least %.2f", name, acc, min)
	}
}

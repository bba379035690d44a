package starlarkrt_test

import (
	"context"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

// TestFixtureTools runs each of the six fixture tools on every tenth of
// the 250 examples of its task, with arguments extracted from the
// question, in a sandbox worker as latm runs tools. All 250 run in
// process in answer's TestFormatOnFixtureTools: what is checked here is
// that a worker gives the same answers.
func TestFixtureTools(t *testing.T) {
	t.Parallel()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.Subprocess, Workers: 2})
	defer rt.Close()
	for _, tool := range fixtures.Tools() {
		t.Run(tool.Task, func(t *testing.T) {
			examples, err := bbh.Load(tool.Task)
			if err != nil {
				t.Fatal(err)
			}
			if len(examples) != 250 {
				t.Fatalf("%d examples", len(examples))
			}
			src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
			wrong, ran := 0, 0
			for i, ex := range examples {
				if i%10 != 0 {
					continue
				}
				ran++
				args, err := tool.Args(ex.Question)
				if err != nil {
					t.Fatalf("example %d: extract arguments: %v", i, err)
				}
				res, err := rt.Call(context.Background(), src, tool.Func, args, nil)
				if err != nil {
					t.Fatalf("example %d: %v", i, err)
				}
				if got := tool.Answer(ex.Question, res.Value); got != ex.Answer {
					wrong++
					if wrong <= 3 {
						t.Errorf("example %d: got %q, want %q", i, got, ex.Answer)
					}
				}
			}
			if wrong > 0 {
				t.Errorf("%d of %d wrong", wrong, ran)
			}
		})
	}
}

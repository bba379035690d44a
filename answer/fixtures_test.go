package answer

import (
	"context"
	"testing"

	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/internal/fixtures"
	"github.com/latm/latm/starlarkrt"
)

// TestFormatOnFixtureTools post-processes the raw values the six fixture
// tools return on all 250 examples of their tasks (an item name for
// tracking, None for an impossible meeting, an int for the remainder
// task, …) and checks the final answers against the tasks' targets.
func TestFormatOnFixtureTools(t *testing.T) {
	t.Parallel()
	rt := starlarkrt.New(starlarkrt.Options{Isolation: starlarkrt.InProcess})
	defer rt.Close()
	for _, tool := range fixtures.Tools() {
		t.Run(tool.Task, func(t *testing.T) {
			examples, err := bbh.Load(tool.Task)
			if err != nil {
				t.Fatal(err)
			}
			src := starlarkrt.Source{Name: tool.File, Code: tool.Source}
			wrong := 0
			for i, ex := range examples {
				args, err := tool.Args(ex.Question)
				if err != nil {
					t.Fatal(err)
				}
				res, err := rt.Call(context.Background(), src, tool.Func, args, nil)
				if err != nil {
					t.Fatalf("example %d: %v", i, err)
				}
				if got := Format(ex.Question, res.Value); got != ex.Answer {
					if wrong++; wrong <= 3 {
						t.Errorf("example %d: Format(%#v) = %q, want %q", i, res.Value, got, ex.Answer)
					}
				}
			}
			if wrong > 0 {
				t.Errorf("%d of %d wrong", wrong, len(examples))
			}
		})
	}
}

package user

import (
	"context"
	"fmt"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// ExampleResult is the outcome of re-running one usage example of a tool.
type ExampleResult struct {
	Index    int    `json:"example"` // one-based
	Question string `json:"question"`
	Want     string `json:"want"`
	Got      string `json:"got"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

// CheckExamples re-runs the usage examples of t in the sandbox: the tool
// source, then each example's call code, whose answer is read and
// formatted as Solve reads and formats answers and compared with the
// recorded one. A tool whose examples all pass can be trusted to run as
// its package says (latm tools test, tools import).
func CheckExamples(ctx context.Context, rt *starlarkrt.Runtime, t *tool.Tool) []ExampleResult {
	src := starlarkrt.Source{Name: t.Ref() + ".star", Code: t.Source}
	if t.Version == 0 {
		src.Name = t.Name + ".star"
	}
	var out []ExampleResult
	for i, ex := range t.Examples {
		r := ExampleResult{Index: i + 1, Question: ex.Question, Want: ex.Answer}
		res, err := rt.Exec(ctx, src, starlarkrt.Source{Name: fmt.Sprintf("usage-example-%d.star", i+1), Code: ex.Code})
		if err == nil {
			r.Got, err = FinalAnswer(ex.Question, res)
		}
		if err != nil {
			r.Error = err.Error()
		} else {
			r.OK = answer.Correct("", r.Got, ex.Answer)
		}
		out = append(out, r)
	}
	return out
}

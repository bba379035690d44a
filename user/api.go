package user

// CONTRACT FILE — owned by the tool-use work. Others (library import/test
// commands, maker, eval, dispatch) use these to read and format answers and
// to solve instances the same way. Keep names and shapes; add freely.

import (
	"context"

	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/starlarkrt"
)

// AnswerVar returns the name of the variable that holds a program's answer:
// the last global, in assignment order, whose name starts with "ans" (as
// the reference implementation reads answers), or "" if there is none.
func AnswerVar(res *starlarkrt.ExecResult) string { panic("todo") }

// FinalAnswer picks the answer variable of res and post-processes it into
// the answer format of question (option letters for multiple choice, …).
func FinalAnswer(question string, res *starlarkrt.ExecResult) (string, error) { panic("todo") }

// Format post-processes a program's answer value into the answer format of
// question.
func Format(question string, v any) string { panic("todo") }

// Instance is one question to solve. ID and Batch identify it for resuming
// (both may be empty for a one-off solve).
type Instance struct {
	ID       string
	Batch    string
	Question string
}

// Solver answers instances with a tool: the user model writes a call, the
// sandbox runs it, the answer is post-processed, and the run is recorded.
type Solver struct {
	LLM     *llm.Client
	Runtime *starlarkrt.Runtime
	Prompts *prompts.Set
	Store   *library.Store // may be nil: runs are then not recorded
	Retries int            // retries after a sandbox error, with the error fed back
}

// Solve answers one instance with tool and returns the recorded run. A
// failed solve (the model's code erred on every try) is a run with OK false
// and Error set, and a nil error; the error return is for failures of the
// machinery (model endpoint unreachable, store broken, ctx cancelled).
func (s *Solver) Solve(ctx context.Context, tool *library.Tool, in Instance) (*library.Run, error) {
	panic("todo")
}

package user

// CONTRACT FILE — owned by the tool-use work. Others (library import/test
// commands, maker, eval) use these to read and format answers the same way.

import "github.com/latm/latm/starlarkrt"

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

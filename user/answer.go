package user

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/starlarkrt"
)

// ErrNoAnswer is returned (wrapped) by FinalAnswer when the call code
// assigned no variable whose name starts with "ans".
var ErrNoAnswer = errors.New("the call code assigned no variable named ans (end the snippet with a line like `ans = f(...)`)")

// AnswerVar returns the name of the variable that holds a program's answer:
// the last global, in assignment order, whose name starts with "ans" (as
// the reference implementation reads answers), or "" if there is none.
func AnswerVar(res *starlarkrt.ExecResult) string {
	if res == nil {
		return ""
	}
	for i := len(res.Order) - 1; i >= 0; i-- {
		name := res.Order[i]
		if !strings.HasPrefix(name, "ans") {
			continue
		}
		if _, ok := res.Globals[name]; ok {
			return name
		}
	}
	return ""
}

// FinalAnswer picks the answer variable of res and post-processes it into
// the answer format of question (answer.Format: option letters for
// multiple choice, the meeting rules, …).
func FinalAnswer(question string, res *starlarkrt.ExecResult) (string, error) {
	name := AnswerVar(res)
	if name == "" {
		return "", ErrNoAnswer
	}
	return answer.Format(question, res.Globals[name]), nil
}

// RawResult returns the JSON encoding of the answer variable of res, or ""
// when there is none (or it cannot be encoded).
func RawResult(res *starlarkrt.ExecResult) string {
	name := AnswerVar(res)
	if name == "" {
		return ""
	}
	b, err := json.Marshal(res.Globals[name])
	if err != nil {
		return ""
	}
	return string(b)
}

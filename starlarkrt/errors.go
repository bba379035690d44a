package starlarkrt

import (
	"errors"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// programError turns a scan, parse or resolve error of file name into a
// ProgramError positioned in the original source.
func programError(phase string, err error, name string, lines []string) error {
	pe := &ProgramError{Phase: phase, File: name, Msg: err.Error()}
	var se syntax.Error
	var rl resolve.ErrorList
	switch {
	case errors.As(err, &se):
		pe.Line, pe.Col, pe.Msg = int(se.Pos.Line), int(se.Pos.Col), se.Msg
	case errors.As(err, &rl) && len(rl) > 0:
		pe.Line, pe.Col, pe.Msg = int(rl[0].Pos.Line), int(rl[0].Pos.Col), rl[0].Msg
		if len(rl) > 1 {
			more := make([]string, 0, len(rl)-1)
			for _, e := range rl[1:] {
				more = append(more, e.Error())
			}
			pe.Backtrace = strings.Join(more, "\n")
		}
	}
	var pre *ProgramError
	if errors.As(err, &pre) { // from preprocess, already positioned
		pe = pre
		if pe.File == "" {
			pe.File = name
		}
		pe.Phase = phase
	}
	pe.SourceLine = lineAt(lines, pe.Line)
	if pe.Hint == "" {
		pe.Hint = hint(pe.Msg, pe.SourceLine)
	}
	return pe
}

func lineAt(lines []string, n int) string {
	if n >= 1 && n <= len(lines) {
		return lines[n-1]
	}
	return ""
}

// programErrorIn turns a runtime error into a ProgramError positioned at
// the innermost frame that lies in one of files (name → source lines).
func programErrorIn(err error, files map[string][]string) error {
	var pe0 *ProgramError
	if errors.As(err, &pe0) {
		return pe0
	}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return &ProgramError{Phase: "runtime", Msg: err.Error(), Hint: hint(err.Error(), "")}
	}
	pe := &ProgramError{Phase: "runtime", Msg: ee.Msg, Backtrace: ee.Backtrace()}
	for i := len(ee.CallStack) - 1; i >= 0; i-- {
		pos := ee.CallStack[i].Pos
		lines, ok := files[pos.Filename()]
		if !ok {
			continue
		}
		pe.File, pe.Line, pe.Col = pos.Filename(), int(pos.Line), int(pos.Col)
		pe.SourceLine = lineAt(lines, pe.Line)
		break
	}
	pe.Hint = hint(pe.Msg, pe.SourceLine)
	return pe
}

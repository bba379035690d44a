package user

import (
	"context"
	"fmt"
	"strings"

	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

// AnswerOffline answers question with tl through the no-model paths alone,
// parser first, then template, each behind its guards, and never asks a
// model. ok is false when no path's guards let an answer stand: the
// instance needs the user model. So is an answer its path's shadow checks
// have not yet confirmed (Solver.Shadow): with no model to check it, it
// cannot stand, and its path's decision says so. run.Path and run.Guards
// say what was decided; the run is not recorded.
func (s *Solver) AnswerOffline(ctx context.Context, tl *tool.Tool, question string) (run *tool.Run, ok bool, err error) {
	run = &tool.Run{Question: question, ToolName: tl.Name, ToolVersion: tl.Version}
	var notes []string
	state, err := s.ShadowState(ctx, tl)
	if err != nil {
		return nil, false, err
	}
	if state.Off != nil {
		run.Path, run.Guards = tool.PathUser, offNote(tl, state.Off)
		return run, false, nil
	}
	// stands reports whether path's answer may stand with no model to
	// check it, and says so in the record if not.
	stands := func(path string) bool {
		if s.confirmed(state, path) {
			return true
		}
		notes = append(notes, fmt.Sprintf("shadow refused: the %s path's answer %q is unconfirmed (%d of %d shadow checks agreed) and there is no user model to check it", path, run.Answer, state.Agreed[path], s.Shadow))
		return false
	}
	if tl.Parser != "" {
		pm, why := s.parsered(ctx, tl)
		if pm != nil {
			note, ok, err := s.parserAnswer(ctx, pm, tl, question, run)
			if err != nil {
				return nil, false, err
			}
			notes = append(notes, note)
			if ok && stands(tool.PathParser) {
				run.OK, run.Path, run.Guards = true, tool.PathParser, strings.Join(notes, "\n")
				return run, true, nil
			}
			if ok {
				run.Path, run.Guards = tool.PathUser, strings.Join(notes, "\n")
				return run, false, nil
			}
		} else {
			notes = append(notes, why)
		}
	}
	src := starlarkrt.Source{Name: tl.Ref() + ".star", Code: tl.Source}
	if tm := s.templated(ctx, tl, src); tm != nil {
		note, ok, err := s.templateAnswer(ctx, tm, tl.Examples, src, question, run)
		if err != nil {
			return nil, false, err
		}
		notes = append(notes, note)
		if ok && stands(tool.PathTemplate) {
			run.OK, run.Path, run.Guards = true, tool.PathTemplate, strings.Join(notes, "\n")
			return run, true, nil
		}
	} else {
		notes = append(notes, "template: the usage examples do not reproduce each other")
	}
	run.Path, run.Guards = tool.PathUser, strings.Join(notes, "\n")
	return run, false, nil
}

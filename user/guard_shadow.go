package user

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/latm/latm/answer"
	"github.com/latm/latm/tool"
)

// Shadow checks. The guards vouch for a no-model answer by its shape; a
// shadow check vouches for it by result. Until the user model has agreed
// with Shadow answers of a no-model path (distinct questions, per path) of
// a tool version, every answer that path gives is also asked of the user
// model, and the model's answer is the one returned: no no-model answer is
// returned before that many confirmations, however many instances are in
// flight at once (workers and processes may check a few more than Shadow,
// never fewer). One disagreement turns the version's no-model paths off,
// all of them, recorded with the instance, both answers and the time; a
// version is its name, number and the hash of its source and parser
// (tool.ShadowKeyOf), so a version made again starts over.
//
// When the user model gives no answer to compare (its call failed after
// its retries, or was refused as ungrounded), the check is undecided: it
// counts neither way, and the model's failed run is what is returned (the
// no-model answer is named in its guard record, not returned unconfirmed).
// When the model cannot be reached at all the solve fails with that error,
// and nothing is counted.

// DefaultShadow is the configuration's default for solve.shadow. The
// Solver's zero value checks none, so that a Solver built by hand behaves
// as one with solve.shadow: 0.
const DefaultShadow = 5

// ShadowStore keeps shadow checks durably, shared by every Solver and
// process on one store. *library.Store implements it.
type ShadowStore interface {
	ShadowState(ctx context.Context, key tool.ShadowKey) (tool.ShadowState, error)
	RecordShadowCheck(ctx context.Context, c *tool.ShadowCheck) error
}

// shadowStore is where the Solver keeps its checks: Shadows, or one in
// memory for this Solver alone.
func (s *Solver) shadowStore() ShadowStore {
	if s.Shadows != nil {
		return s.Shadows
	}
	s.memOnce.Do(func() { s.mem = &memShadows{} })
	return s.mem
}

// ShadowState says where tl's shadow checks stand.
func (s *Solver) ShadowState(ctx context.Context, tl *tool.Tool) (tool.ShadowState, error) {
	st, err := s.shadowStore().ShadowState(ctx, tool.ShadowKeyOf(tl))
	if err != nil {
		return st, fmt.Errorf("shadow checks of %s: %w", tl.Ref(), err)
	}
	return st, nil
}

// confirmed reports whether path's answers of a version in state st may
// stand with no model call: Shadow checks have agreed (none are needed
// with Shadow 0).
func (s *Solver) confirmed(st tool.ShadowState, path string) bool {
	return st.Agreed[path] >= max(s.Shadow, 0)
}

// offNote is the guard line of a solve whose version has its no-model
// paths off.
func offNote(tl *tool.Tool, off *tool.ShadowCheck) string {
	return fmt.Sprintf("shadow refused: the no-model paths are off for %s since %s: on %s the %s path answered %q, the user model %q",
		tl.Ref(), off.At.UTC().Format(time.RFC3339), instanceName(off.Batch, off.InputID), off.Path, off.NoModelAnswer, off.ModelAnswer)
}

func instanceName(batch, id string) string {
	if batch == "" {
		return id
	}
	return batch + "/" + id
}

// shadowCheck is a no-model answer waiting for the user model's.
type shadowCheck struct {
	path   string // tool.PathParser or tool.PathTemplate
	answer string // the no-model answer
}

// settleShadow compares the user model's run with the no-model answer,
// records the check and returns its guard line.
func (s *Solver) settleShadow(ctx context.Context, c *shadowCheck, tl *tool.Tool, in Instance, run *tool.Run) (string, error) {
	chk := &tool.ShadowCheck{
		Key: tool.ShadowKeyOf(tl), Path: c.path, Batch: in.Batch, InputID: in.ID, Question: in.Question,
		NoModelAnswer: c.answer,
	}
	switch {
	case !run.OK:
		chk.Outcome, chk.Note = tool.ShadowUndecided, run.Error
	case answer.Correct("", run.Answer, c.answer):
		chk.Outcome, chk.ModelAnswer = tool.ShadowAgreed, run.Answer
	default:
		chk.Outcome, chk.ModelAnswer = tool.ShadowDisagreed, run.Answer
	}
	store := s.shadowStore()
	if err := store.RecordShadowCheck(ctx, chk); err != nil {
		return "", err
	}
	switch chk.Outcome {
	case tool.ShadowUndecided:
		return fmt.Sprintf("shadow check of the %s path undecided: the user model gave no answer; the %s path had answered %q", c.path, c.path, c.answer), nil
	case tool.ShadowDisagreed:
		// A refusal of the no-model answer, counted as one by kind.
		return fmt.Sprintf("shadow refused: the %s path answered %q, the user model %q; a shadow check disagreed, so the no-model paths are off for %s", c.path, c.answer, run.Answer, tl.Ref()), nil
	}
	st, err := store.ShadowState(ctx, chk.Key)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("shadow check of the %s path agreed (%d of %d confirmed): the user model also answered %q", c.path, min(st.Agreed[c.path], s.Shadow), s.Shadow, run.Answer), nil
}

// memShadows keeps shadow checks in memory, for a Solver with no
// ShadowStore: they last as long as the Solver.
type memShadows struct {
	mu     sync.Mutex
	checks []tool.ShadowCheck
}

func (m *memShadows) RecordShadowCheck(_ context.Context, c *tool.ShadowCheck) error {
	if c.At.IsZero() {
		c.At = time.Now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks = append(m.checks, *c)
	return nil
}

func (m *memShadows) ShadowState(_ context.Context, key tool.ShadowKey) (tool.ShadowState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := tool.ShadowState{Agreed: map[string]int{}}
	seen := map[[2]string]bool{}
	for i := range m.checks {
		c := &m.checks[i]
		if c.Key != key {
			continue
		}
		switch c.Outcome {
		case tool.ShadowAgreed:
			if k := [2]string{c.Path, c.Question}; !seen[k] {
				seen[k] = true
				st.Agreed[c.Path]++
			}
		case tool.ShadowUndecided:
			st.Undecided++
		case tool.ShadowDisagreed:
			if st.Off == nil {
				off := *c
				st.Off = &off
			}
		}
	}
	return st, nil
}

package user

import (
	"context"
	"errors"
)

// errLearningCut marks a learning its leader's context ended: what it gave
// is not the verdict, and is not kept.
var errLearningCut = errors.New("the learning's context ended")

// verdict returns the verdict kept under key, learning it first if there
// is none: learn returns it and whether it may be kept (not when learning
// failed in the machinery). Callers that ask for one key at once wait for
// one learning instead of each running it: a batch's first instances of
// a tool arrive together, and learning runs the tool's usage examples in
// the sandbox (GPT-4's CRT tool: seconds). A verdict learned under a
// cancelled ctx is not kept, and a caller whose own ctx still runs learns
// again rather than take it (one server request's disconnect must not
// decide another's).
func (s *Solver) verdict(ctx context.Context, key string, learn func() (any, bool)) any {
	for {
		if v, ok := s.verdicts.Load(key); ok {
			return v
		}
		v, err, _ := s.learning.Do(key, func() (any, error) {
			if v, ok := s.verdicts.Load(key); ok {
				return v, nil
			}
			v, keep := learn()
			if ctx.Err() != nil {
				return v, errLearningCut
			}
			if keep {
				s.verdicts.Store(key, v)
			}
			return v, nil
		})
		if err == nil || ctx.Err() != nil {
			return v
		}
	}
}

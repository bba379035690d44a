package user

import "context"

// verdict returns the verdict kept under key, learning it first if there
// is none: learn returns it and whether it may be kept (not when learning
// failed in the machinery). Callers that ask for one key at once wait for
// one learning instead of each running it: a batch's first instances of
// a tool arrive together, and learning runs the tool's usage examples in
// the sandbox (GPT-4's CRT tool: seconds). A verdict learned under a
// cancelled ctx is not kept; callers sharing it then get what it gives,
// which is at worst "no" (the model is asked).
func (s *Solver) verdict(ctx context.Context, key string, learn func() (any, bool)) any {
	if v, ok := s.verdicts.Load(key); ok {
		return v
	}
	v, _, _ := s.learning.Do(key, func() (any, error) {
		if v, ok := s.verdicts.Load(key); ok {
			return v, nil
		}
		v, keep := learn()
		if keep && ctx.Err() == nil {
			s.verdicts.Store(key, v)
		}
		return v, nil
	})
	return v
}

package serve

import (
	"context"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// SharedPool is where the server's queued batches pool their unknown
// questions: the pending pool latm workers share on NATS (Options.BatchQueue
// solves the batches there). cli wires worker.Queue's pool.
type SharedPool interface {
	// Pending reads the shared pool, oldest first.
	Pending(ctx context.Context) ([]*tool.Pending, error)
	// Label records a person's answer to instance (BATCH:ID) and, once
	// that completes its group, has a worker make the group's tool;
	// library.ErrNotFound if the instance is not in the pool.
	Label(ctx context.Context, instanceID, answer string) error
}

// poolWorkers is pendingView.Pool of an instance in the shared pool.
const poolWorkers = "workers"

// pendingIn is a pending instance with the pool that holds it.
type pendingIn struct {
	*tool.Pending
	Shared bool // in Options.SharedPool, not the engine's own
}

// pending reads the engine's pending pool (questions routed here) and the
// shared pool (the queued batches' questions), and keeps what c may see.
func (s *Server) pending(ctx context.Context, c caller) ([]pendingIn, error) {
	own, err := s.eng.Pending(ctx)
	if err != nil {
		return nil, err
	}
	var out []pendingIn
	for _, p := range visiblePending(c, own) {
		out = append(out, pendingIn{p, false})
	}
	if s.opts.SharedPool == nil {
		return out, nil
	}
	shared, err := s.opts.SharedPool.Pending(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range visiblePending(c, shared) {
		out = append(out, pendingIn{p, true})
	}
	return out, nil
}

// labelPending labels the instance id that c may see, in the pool that
// holds it; library.ErrNotFound if c sees none.
func (s *Server) labelPending(ctx context.Context, c caller, id, answer string) error {
	ps, err := s.pending(ctx, c)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.InstanceID != id {
			continue
		}
		if p.Shared {
			return s.opts.SharedPool.Label(ctx, id, answer)
		}
		return s.eng.Label(ctx, id, answer)
	}
	return library.ErrNotFound
}

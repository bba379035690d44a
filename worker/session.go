package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
)

// makeSession holds back, while one instance is handled, what would let
// another worker think a group's instances are done before their results
// are stored: the dispatcher takes a group's instances out of the pool as
// it solves them with a new tool (MarkPendingSolved) and gives the
// group's making lease back when the tool is made and they are solved
// (Release), but their results are stored only after the dispatcher
// returns. Under a session both wait for end: the entries leave the pool
// (hidden meanwhile from this worker's dispatcher, which holds the same
// lease in its other slots) and the leases are released once the results
// are stored. A worker that dies first leaves the entries in the pool and
// its lease unrenewed, so the next worker to take the lease (every worker
// revisits the pool when the new tool reaches it, and when it starts)
// solves the rest; a worker that fails in the machinery gives the lease
// back with the entries still in the pool.
type makeSession struct {
	st     *sharedStore
	mu     sync.Mutex
	ids    []int64
	leases []heldLease
}

type heldLease struct{ name, owner string }

type sessionKey struct{}

func withSession(ctx context.Context, st *sharedStore) (context.Context, *makeSession) {
	m := &makeSession{st: st}
	return context.WithValue(ctx, sessionKey{}, m), m
}

// withoutSession is ctx with no session, for work that stores its own
// results (revisit) while an instance is handled.
func withoutSession(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionKey{}, (*makeSession)(nil))
}

func sessionOf(ctx context.Context) *makeSession {
	m, _ := ctx.Value(sessionKey{}).(*makeSession)
	return m
}

func (m *makeSession) markSolved(id int64) {
	m.mu.Lock()
	m.ids = append(m.ids, id)
	m.mu.Unlock()
	m.st.hide(id, 1)
}

func (m *makeSession) keep(name, owner string) {
	l := heldLease{name, owner}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.leases {
		if k == l {
			return
		}
	}
	m.leases = append(m.leases, l)
	m.st.keepers(l, 1)
}

// held says whether the session keeps a lease (a group was made while
// the instance was handled).
func (m *makeSession) held() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.leases) > 0
}

// end takes the solved entries out of the pool, when their results are
// stored (stored true), and releases the leases kept. ctx should outlive a
// cancelled handling: what end does not do waits for a lease's TTL.
func (m *makeSession) end(ctx context.Context, stored bool) error {
	m.mu.Lock()
	ids, leases := m.ids, m.leases
	m.ids, m.leases = nil, nil
	m.mu.Unlock()
	var errs []error
	for _, id := range ids {
		if stored {
			if err := m.st.q.Pending.Delete(ctx, pendingKey(id)); err != nil {
				errs = append(errs, fmt.Errorf("take pending instance %d out of the pool: %w", id, err))
			}
		}
		m.st.hide(id, -1)
	}
	for _, l := range leases {
		if m.st.keepers(l, -1) > 0 {
			continue // another slot's session keeps it too (one dispatcher, one owner): its end releases it
		}
		if err := m.st.release(ctx, l.name, l.owner); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// keepers counts the sessions of this store keeping lease l (by n: 1 or
// -1) and returns how many keep it now.
func (s *sharedStore) keepers(l heldLease, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kept == nil {
		s.kept = map[heldLease]int{}
	}
	s.kept[l] += n
	k := s.kept[l]
	if k <= 0 {
		delete(s.kept, l)
	}
	return k
}

// hide counts id as solved by a session of this store (by n: 1 or -1):
// the store's dispatcher no longer sees it in the pool.
func (s *sharedStore) hide(id int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hidden == nil {
		s.hidden = map[int64]int{}
	}
	if s.hidden[id] += n; s.hidden[id] <= 0 {
		delete(s.hidden, id)
	}
}

func (s *sharedStore) isHidden(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hidden[id] > 0
}

// finalResult says whether instance id of batch has a stored result that
// is not pending.
func (q *Queue) finalResult(ctx context.Context, batch, id string) (bool, error) {
	e, err := q.Results.Get(ctx, ResultKey(batch, id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var r Result
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return false, err
	}
	return r.Status != dispatch.StatusPending, nil
}

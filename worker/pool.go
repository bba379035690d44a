package worker

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/procowner"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// sharedStore is a worker dispatcher's store: the worker's local file for
// tools, routes and runs, and the queue's KV buckets for what the workers
// of a deployment must share — the pending pool (PendingBucket) and the
// leases over grouping and making (LeasesBucket). A tool the dispatcher
// makes is published to the tools bucket too, so every worker (and
// submitter) routes with it.
type sharedStore struct {
	*library.Store
	q *Queue

	mu   sync.Mutex
	held map[string]func() // lease name → stop its renewal
}

var _ dispatch.Store = (*sharedStore)(nil)

func newSharedStore(q *Queue, local *library.Store) *sharedStore {
	return &sharedStore{Store: local, q: q, held: map[string]func(){}}
}

// SaveTool saves t in the local library and publishes it for the others.
func (s *sharedStore) SaveTool(ctx context.Context, t *tool.Tool) error {
	if err := s.Store.SaveTool(ctx, t); err != nil {
		return err
	}
	_, err := s.q.PublishTool(ctx, t)
	return err
}

// pendingEntry is a pending instance as PendingBucket stores it.
type pendingEntry struct {
	ID          int64     `json:"id"`
	InstanceID  string    `json:"instance_id"`
	Question    string    `json:"question"`
	Label       string    `json:"label,omitempty"`
	LabelSource string    `json:"label_source,omitempty"`
	Group       int64     `json:"group,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func (e pendingEntry) pending() *tool.Pending {
	return &tool.Pending{ID: e.ID, InstanceID: e.InstanceID, Question: e.Question, Label: e.Label,
		LabelSource: e.LabelSource, Group: e.Group, Status: tool.PendingOpen, CreatedAt: e.CreatedAt}
}

// pendingID is the pool's id of an instance: a positive number from its
// hash, so that the key of an id needs no lookup.
func pendingID(instanceID string) int64 {
	h := sha256.Sum256([]byte(instanceID))
	return int64(binary.BigEndian.Uint64(h[:8]) >> 1)
}

func pendingKey(id int64) string { return "p." + strconv.FormatInt(id, 10) }

// AddPending adds p to the shared pool; an instance pending already is
// left as it is and p filled from it.
func (s *sharedStore) AddPending(ctx context.Context, p *tool.Pending) error {
	switch p.LabelSource {
	case "", "input", "human", "model":
	default:
		return fmt.Errorf("add pending %s: label source %q: want input, human or model", p.InstanceID, p.LabelSource)
	}
	id := pendingID(p.InstanceID)
	for {
		if e, _, err := s.getPending(ctx, id); err == nil {
			*p = *e.pending()
			return nil
		} else if !errors.Is(err, library.ErrNotFound) {
			return fmt.Errorf("add pending %s: %w", p.InstanceID, err)
		}
		e := pendingEntry{ID: id, InstanceID: p.InstanceID, Question: p.Question, Label: p.Label, LabelSource: p.LabelSource,
			Group: p.Group, CreatedAt: time.Now().UTC()}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = s.q.Pending.Create(ctx, pendingKey(id), b)
		if err == nil {
			*p = *e.pending()
			return nil
		}
		if !isKeyExists(err) {
			return fmt.Errorf("add pending %s: %w", p.InstanceID, err)
		}
	}
}

func (s *sharedStore) getPending(ctx context.Context, id int64) (pendingEntry, uint64, error) {
	var e pendingEntry
	kv, err := s.q.Pending.Get(ctx, pendingKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return e, 0, fmt.Errorf("pending instance %d: %w", id, library.ErrNotFound)
	}
	if err != nil {
		return e, 0, err
	}
	if err := json.Unmarshal(kv.Value(), &e); err != nil {
		return e, 0, fmt.Errorf("pending instance %d: %w", id, err)
	}
	return e, kv.Revision(), nil
}

// PendingInstances reads the whole shared pool (group < 0) or one group
// of it, oldest first.
func (s *sharedStore) PendingInstances(ctx context.Context, group int64) ([]*tool.Pending, error) {
	w, err := s.q.Pending.Watch(ctx, "p.*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("pending instances: %w", err)
	}
	defer w.Stop()
	var es []pendingEntry
	for {
		select {
		case kv, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("pending instances: the watch closed")
			}
			if kv == nil {
				sort.Slice(es, func(i, j int) bool {
					if !es[i].CreatedAt.Equal(es[j].CreatedAt) {
						return es[i].CreatedAt.Before(es[j].CreatedAt)
					}
					return es[i].ID < es[j].ID
				})
				out := make([]*tool.Pending, 0, len(es))
				for _, e := range es {
					if group < 0 || e.Group == group {
						out = append(out, e.pending())
					}
				}
				return out, nil
			}
			var e pendingEntry
			if err := json.Unmarshal(kv.Value(), &e); err != nil {
				return nil, fmt.Errorf("pending instance %s: %w", kv.Key(), err)
			}
			es = append(es, e)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// updatePending changes the entry of id by compare-and-swap, trying again
// when another worker changed it meanwhile.
func (s *sharedStore) updatePending(ctx context.Context, id int64, change func(*pendingEntry)) error {
	for {
		e, rev, err := s.getPending(ctx, id)
		if err != nil {
			return err
		}
		change(&e)
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err = s.q.Pending.Update(ctx, pendingKey(id), b, rev); !isRevisionMismatch(err) {
			return err
		}
	}
}

func (s *sharedStore) SetPendingGroup(ctx context.Context, id, group int64) error {
	if err := s.updatePending(ctx, id, func(e *pendingEntry) { e.Group = group }); err != nil {
		return fmt.Errorf("group pending instance %d: %w", id, err)
	}
	return nil
}

func (s *sharedStore) LabelPending(ctx context.Context, instanceID, label, source string) error {
	if err := s.updatePending(ctx, pendingID(instanceID), func(e *pendingEntry) { e.Label, e.LabelSource = label, source }); err != nil {
		return fmt.Errorf("label pending %s: %w", instanceID, err)
	}
	return nil
}

// MarkPendingSolved takes the instance out of the shared pool (the
// maker's local file keeps its run).
func (s *sharedStore) MarkPendingSolved(ctx context.Context, id int64) error {
	if err := s.q.Pending.Delete(ctx, pendingKey(id)); err != nil {
		return fmt.Errorf("mark pending instance %d solved: %w", id, err)
	}
	return nil
}

// leaseEntry is a lease as LeasesBucket stores it.
type leaseEntry struct {
	Owner   string `json:"owner"`
	Expires int64  `json:"expires"` // Unix nanoseconds, the holder's clock
}

// makeLeasePrefix begins the keys of the groups' making leases.
const makeLeasePrefix = "l.make."

// leaseKey is the key of a lease: its name, which the dispatcher spells
// with letters, digits and '-' (make-group-N is l.make.N, so that the
// making leases can be watched together).
func leaseKey(name string) string {
	if g, ok := strings.CutPrefix(name, "make-group-"); ok {
		name = makeLeasePrefix + g
	} else {
		name = "l." + name
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

// Acquire takes the lease name for owner by compare-and-swap on its key:
// created if absent, taken over if expired or its holder is a process of
// this host that died, extended if owner holds it. A lease this store
// holds is renewed every third of its TTL until Release, so a holder that
// dies (SIGKILL, a lost machine) frees it one TTL later.
//
// A group's making lease (make-group-N) held by another worker is waited
// for rather than refused: the group's instances are being made a tool
// for, and the dispatcher re-reads them once it has the lease.
func (s *sharedStore) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if s.q.opts.LeaseTTL > 0 {
		ttl = s.q.opts.LeaseTTL
	}
	wait := strings.HasPrefix(name, "make-group-")
	for {
		ok, err := s.tryAcquire(ctx, name, owner, ttl)
		if err != nil || ok || !wait {
			if ok {
				s.renew(name, owner, ttl)
			}
			return ok, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(min(ttl/10, 200*time.Millisecond)):
		}
	}
}

func (s *sharedStore) tryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	key := leaseKey(name)
	for {
		now := time.Now()
		b, err := json.Marshal(leaseEntry{Owner: owner, Expires: now.Add(ttl).UnixNano()})
		if err != nil {
			return false, err
		}
		e, err := s.q.Leases.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := s.q.Leases.Create(ctx, key, b); err == nil {
				return true, nil
			} else if !isKeyExists(err) {
				return false, fmt.Errorf("acquire lease %s: %w", name, err)
			}
			continue
		}
		if err != nil {
			return false, fmt.Errorf("acquire lease %s: %w", name, err)
		}
		var l leaseEntry
		if json.Unmarshal(e.Value(), &l) == nil && l.Owner != owner && now.UnixNano() < l.Expires && !procowner.Dead(l.Owner) {
			return false, nil
		}
		if _, err := s.q.Leases.Update(ctx, key, b, e.Revision()); err == nil {
			return true, nil
		} else if !isRevisionMismatch(err) {
			return false, fmt.Errorf("acquire lease %s: %w", name, err)
		}
	}
}

// renew keeps owner's lease name alive until Release.
func (s *sharedStore) renew(name, owner string, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[name] != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := s.tryAcquire(ctx, name, owner, ttl); err == nil && !ok {
					return // lost (the holder was thought dead): Release finds it another's
				}
			}
		}
	}()
	s.held[name] = func() { cancel(); <-done }
}

// Release gives up owner's lease name, if owner still holds it.
func (s *sharedStore) Release(ctx context.Context, name, owner string) error {
	s.mu.Lock()
	stop := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	key := leaseKey(name)
	e, err := s.q.Leases.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	var l leaseEntry
	if json.Unmarshal(e.Value(), &l) != nil || l.Owner != owner {
		return nil
	}
	if err := s.q.Leases.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil && !isRevisionMismatch(err) {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// close stops the renewal of every lease still held (a worker stopping).
func (s *sharedStore) close() {
	s.mu.Lock()
	held := s.held
	s.held = map[string]func(){}
	s.mu.Unlock()
	for _, stop := range held {
		stop()
	}
}

// openEntries reads the shared pool's entries, with their revisions.
func (st *sharedStore) openEntries(ctx context.Context) ([]jetstream.KeyValueEntry, error) {
	watch, err := st.q.Pending.Watch(ctx, "p.*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer watch.Stop()
	var open []jetstream.KeyValueEntry
	for {
		select {
		case e, ok := <-watch.Updates():
			if !ok {
				return nil, errors.New("pending pool: the watch closed")
			}
			if e == nil {
				return open, nil
			}
			open = append(open, e)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// revisit solves the instances of the shared pool that a tool fits now,
// as dispatch.Dispatcher.Revisit does for one file. It runs when a tool
// made elsewhere arrives, and after an instance was pooled while one did:
// an instance pooled by a worker that had not seen the new tool yet, after
// the maker solved the members it could see, is solved here. A group is
// revisited under its making lease (waiting while its maker works), and
// each instance claimed by deleting its entry at the revision read
// (compare-and-swap), so that one worker solves it; its result replaces
// the pending one.
func (w *Worker) revisit(ctx context.Context, st *sharedStore) error {
	open, err := st.openEntries(ctx)
	if err != nil {
		return err
	}
	groups := map[int64]bool{}
	var order []int64
	for _, kv := range open {
		var e pendingEntry
		if json.Unmarshal(kv.Value(), &e) != nil || e.Group <= 0 || groups[e.Group] {
			continue // a group's members are read again under its lease
		}
		tl, _, err := w.disp.Router.Confident(ctx, e.Question)
		if err != nil {
			return err
		}
		if tl != nil {
			groups[e.Group] = true
			order = append(order, e.Group)
		}
	}
	for _, g := range order {
		if err := w.revisitGroup(ctx, st, g); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) revisitGroup(ctx context.Context, st *sharedStore, g int64) error {
	lease := fmt.Sprintf("make-group-%d", g)
	if _, err := st.Acquire(ctx, lease, w.owner, 2*time.Minute); err != nil {
		return err
	}
	defer func() { _ = st.Release(context.WithoutCancel(ctx), lease, w.owner) }()
	open, err := st.openEntries(ctx)
	if err != nil {
		return err
	}
	for _, kv := range open {
		var e pendingEntry
		if json.Unmarshal(kv.Value(), &e) != nil || e.Group != g {
			continue
		}
		tl, _, err := w.disp.Router.Confident(ctx, e.Question)
		if err != nil {
			return err
		}
		if tl == nil {
			continue
		}
		if err := st.q.Pending.Delete(ctx, kv.Key(), jetstream.LastRevision(kv.Revision())); err != nil {
			if isRevisionMismatch(err) {
				continue // claimed (or changed) by another worker
			}
			return err
		}
		batch, id, _ := strings.Cut(e.InstanceID, ":")
		lctx, calls := withCallLog(ctx, batch)
		run, err := w.eng.Solve(lctx, tl, user.Instance{Batch: batch, ID: id, Question: e.Question})
		if err != nil {
			return err
		}
		if err := w.Queue.waitEvents(ctx, calls); err != nil {
			return err
		}
		r := Result{Batch: batch, ID: id, Question: e.Question, Answer: run.Answer, OK: run.OK, Error: run.Error,
			Status: dispatch.StatusSolved, Stage: 1, Tool: tl.Ref(), Code: run.Code, RawResult: run.RawResult,
			LatencyNS: int64(run.Latency), Worker: w.Name, Calls: calls.list()}
		if !run.OK {
			r.Status = dispatch.StatusError
		}
		if err := st.q.storeFinal(ctx, r); err != nil {
			return err
		}
		w.logf("%s/%s: solved from the pool with %s", batch, id, tl.Ref())
	}
	return nil
}

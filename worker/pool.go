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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/internal/procowner"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// sharedStore is what a worker's dispatchers keep (through scopedStore):
// the worker's local file for tools, routes and runs, and the queue's KV
// buckets for what the workers of a deployment must share — the pending
// pool (PendingBucket) and the leases over grouping and making
// (LeasesBucket). A tool a dispatcher makes is published to the tools
// bucket too, so every worker (and submitter) routes with it.
type sharedStore struct {
	*library.Store
	q *Queue

	mu     sync.Mutex
	held   map[string]func() // lease name → stop its renewal
	hidden map[int64]int     // pool entries solved by a make session, until it ends (session.go)
	kept   map[heldLease]int // making leases make sessions keep, by how many keep each
}

var _ dispatch.Store = scopedStore{}

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
	// Tenant and Share are the scope of the instance (Task.Tenant and
	// Task.Share): its group is the tenant's, and revisiting it routes as
	// the instance was routed.
	Tenant string `json:"tenant,omitempty"`
	Share  bool   `json:"share,omitempty"`
}

func (e pendingEntry) pending() *tool.Pending {
	return &tool.Pending{ID: e.ID, InstanceID: e.InstanceID, Question: e.Question, Label: e.Label,
		LabelSource: e.LabelSource, Group: e.Group, Status: tool.PendingOpen, CreatedAt: e.CreatedAt, Tenant: e.Tenant}
}

func (e pendingEntry) scope() scope { return scope{e.Tenant, e.Share} }

// scopedStore is the shared store of one scope's dispatcher: the instances
// it pools record whether their routing reached every tenant's tools, and
// a tool it saves is announced to saved (the worker's other scopes route
// with it at once).
type scopedStore struct {
	*sharedStore
	share bool
	saved func()
}

func (s scopedStore) SaveTool(ctx context.Context, t *tool.Tool) error {
	if err := s.sharedStore.SaveTool(ctx, t); err != nil {
		return err
	}
	s.saved()
	return nil
}

func (s scopedStore) AddPending(ctx context.Context, p *tool.Pending) error {
	return s.addPending(ctx, p, s.share)
}

// pendingID is the pool's id of an instance: a positive number from its
// hash, so that the key of an id needs no lookup.
func pendingID(instanceID string) int64 {
	h := sha256.Sum256([]byte(instanceID))
	return int64(binary.BigEndian.Uint64(h[:8]) >> 1)
}

func pendingKey(id int64) string { return "p." + strconv.FormatInt(id, 10) }

// addPending adds p to the shared pool, recording share (whether its
// routing reached every tenant's tools); an instance pending already is
// left as it is and p filled from it.
func (s *sharedStore) addPending(ctx context.Context, p *tool.Pending, share bool) error {
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
			Group: p.Group, CreatedAt: time.Now().UTC(), Tenant: p.Tenant, Share: share}
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
					if (group < 0 || e.Group == group) && !s.isHidden(e.ID) {
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
// maker's local file keeps its run). Under a make session (an instance
// being handled, see makeSession) the entry stays in the pool until the
// instance's result is stored: a maker that dies before storing it leaves
// the instance for whichever worker revisits the group.
func (s *sharedStore) MarkPendingSolved(ctx context.Context, id int64) error {
	if m := sessionOf(ctx); m != nil {
		m.markSolved(id)
		return nil
	}
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

// Release gives up owner's lease name, if owner still holds it. Under a
// make session a group's making lease is kept (and renewed) until the
// session ends: the group's instances stay with their maker until their
// results are stored.
func (s *sharedStore) Release(ctx context.Context, name, owner string) error {
	if m := sessionOf(ctx); m != nil && strings.HasPrefix(name, "make-group-") {
		m.keep(name, owner)
		return nil
	}
	return s.release(ctx, name, owner)
}

func (s *sharedStore) release(ctx context.Context, name, owner string) error {
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
// made elsewhere arrives, when a worker starts, after an instance was
// pooled while one did, and after a maker gave up a group half solved: an
// instance pooled by a worker that had not seen the new tool yet, and one
// a maker that died left unsolved, is solved here. A group is revisited
// under its making lease (waiting while its maker works, taken over once
// the maker is dead); an instance leaves the pool only after its result is
// stored, so a worker that dies revisiting leaves the rest to the next.
func (w *Worker) revisit(ctx context.Context, st *sharedStore) error {
	ctx = withoutSession(ctx) // its own leases and results, not the handled instance's
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
		tl, _, err := w.dispatcher(e.scope()).Router.Confident(ctx, e.Question)
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

// groupScope is the scope of group g's instances (a group never mixes
// tenants); the operator's if the pool has none of them.
func (w *Worker) groupScope(ctx context.Context, g int64) (scope, error) {
	open, err := w.shared.openEntries(ctx)
	if err != nil {
		return scope{}, fmt.Errorf("make group %d: %w", g, err)
	}
	for _, kv := range open {
		var e pendingEntry
		if json.Unmarshal(kv.Value(), &e) == nil && e.Group == g {
			return e.scope(), nil
		}
	}
	return scope{}, nil
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
		if err := w.revisitEntry(ctx, st, kv.Key(), e); err != nil {
			return err
		}
	}
	return nil
}

// revisitEntry solves one pool entry with the tool stage 1 routes it to
// with confidence (none: it stays), stores its result and only then takes
// it out of the pool. An entry whose final result is stored already (its
// solver died before taking it out) just leaves the pool. Callers hold
// the group's making lease.
func (w *Worker) revisitEntry(ctx context.Context, st *sharedStore, key string, e pendingEntry) error {
	batch, id, _ := strings.Cut(e.InstanceID, ":")
	final, err := st.q.finalResult(ctx, batch, id)
	if err != nil {
		return err
	}
	if !final {
		tl, _, err := w.dispatcher(e.scope()).Router.Confident(ctx, e.Question)
		if err != nil || tl == nil {
			return err
		}
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
	if err := st.q.Pending.Delete(ctx, key); err != nil {
		return fmt.Errorf("take %s out of the pending pool: %w", e.InstanceID, err)
	}
	return nil
}

// PendingPool reads the shared pending pool, oldest first: the instances
// of unknown tasks the workers pooled, with their groups and labels.
func (q *Queue) PendingPool(ctx context.Context) ([]*tool.Pending, error) {
	return newSharedStore(q, nil).PendingInstances(ctx, -1)
}

// LabelPending records a person's answer to instance (BATCH:ID) of the
// shared pool, and returns its group (0: not grouped yet) and how many of
// the group's instances have a label now. An instance not in the pool is
// library.ErrNotFound.
func (q *Queue) LabelPending(ctx context.Context, instanceID, label string) (group int64, labelled int, err error) {
	st := newSharedStore(q, nil)
	if err := st.LabelPending(ctx, instanceID, label, "human"); err != nil {
		return 0, 0, err
	}
	e, _, err := st.getPending(ctx, pendingID(instanceID))
	if err != nil {
		return 0, 0, fmt.Errorf("label pending %s: %w", instanceID, err)
	}
	if e.Group <= 0 {
		return 0, 0, nil
	}
	members, err := st.PendingInstances(ctx, e.Group)
	if err != nil {
		return e.Group, 0, err
	}
	for _, p := range members {
		if p.Label != "" {
			labelled++
		}
	}
	return e.Group, labelled, nil
}

// RequestMake asks the workers to make group's tool if it is ready: one
// worker takes the request, makes the tool under the group's making lease,
// solves the group's instances with it and stores their results (which
// replace the pending ones their streams reported). batch names the batch
// the making's model calls are recorded under (the labelled instance's).
// A request for a group not ready, made already or being made changes
// nothing.
func (q *Queue) RequestMake(ctx context.Context, batch string, group int64, labelled int) error {
	if group <= 0 || batch == "" {
		return fmt.Errorf("request to make group %d: give a group and a batch", group)
	}
	b, err := json.Marshal(Task{Batch: batch, ID: fmt.Sprintf("make.%d.%d", group, labelled), Make: group})
	if err != nil {
		return err
	}
	if _, err := q.JS.PublishMsg(ctx, &nats.Msg{Subject: WorkSubject, Data: b}); err != nil {
		return fmt.Errorf("request to make group %d: %w", group, err)
	}
	return nil
}

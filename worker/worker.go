package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/internal/procowner"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// Worker pulls instances from the work queue and solves them through its
// engine. It is stateless apart from the engine's local file (runs and the
// ledger of its own calls, and its library for routing).
type Worker struct {
	Queue  *Queue
	Engine *engine.Engine
	Name   string    // recorded in each result it stores
	Slots  int       // instances solved at once; below 1 means 1
	Log    io.Writer // one line per instance; nil: silent
	// Retry is how long a machinery failure (the model endpoint, the
	// sandbox) holds an instance back before it is redelivered; zero: 1 s.
	Retry time.Duration
	// Done, if set, is called after an instance left the queue: solved
	// says whether this worker solved it (false: its result was stored
	// already, by an earlier delivery or another worker).
	Done func(t Task, solved bool)
	// Loaded, if set, is called for each tool package imported into the
	// local library from the tools bucket (see syncTools).
	Loaded func(t *tool.Tool)

	mu     sync.Mutex
	tools  map[string]*tool.Tool          // packages by key, once fetched and checked
	disps  map[scope]*dispatch.Dispatcher // routing instances that name no tool, by whose they are
	eng    *engine.Engine                 // Engine, its ledger teed into each result
	shared *sharedStore                   // the dispatchers' store: the local file and the shared pool
	owner  string                         // names this worker in the leases it takes itself (revisit)
	// imported counts the tools made elsewhere imported so far.
	imported atomic.Int64
}

// Run pulls and solves instances until ctx is done; then it lets the
// instances in hand finish or, if ctx's cancellation cuts them, leaves them
// unacked for redelivery. It returns nil when ctx was cancelled.
func (w *Worker) Run(ctx context.Context) error {
	slots := max(w.Slots, 1)
	w.owner = procowner.New()
	events := &callEvents{q: w.Queue, owner: w.owner}
	eng, err := w.Engine.WithLedger(func(inner llm.Ledger) llm.Ledger { return teeLedger{inner, events} })
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer eng.Close()
	shared := newSharedStore(w.Queue, eng.Store())
	defer shared.close()
	w.eng, w.shared = eng, shared
	syncCtx, stopSync := context.WithCancel(ctx)
	synced, ready := make(chan error, 1), make(chan struct{})
	go func() { synced <- w.syncTools(syncCtx, ready) }()
	defer func() { stopSync(); <-synced }()
	<-ready // the library has every tool published so far
	cons, err := w.Queue.Stream.Consumer(ctx, ConsumerName)
	if ctx.Err() != nil {
		return nil // stopped while starting
	}
	if err != nil {
		return fmt.Errorf("worker: consumer %s: %w", ConsumerName, err)
	}
	// Each slot pulls one instance when it is free: none waits in a
	// buffer (where no in-progress ack would keep it from being
	// redelivered while the slots are busy with a slow instance), and the
	// instances spread over the workers as they free up. Short pulls
	// notice a lost server or a new stream leader within seconds.
	var wg sync.WaitGroup
	for range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.pull(ctx, cons)
		}()
	}
	wg.Wait()
	return nil
}

// pull solves the instances one slot pulls until ctx is done. While it
// solves one, it fetches the next, so that the fetch's round trip is off
// the instance's path; the instance fetched ahead gets in-progress acks
// until its turn, so it is never redelivered for waiting, and is given
// back (nak) if the worker stops first.
func (w *Worker) pull(ctx context.Context, cons jetstream.Consumer) {
	var ahead <-chan jetstream.Msg
	for ctx.Err() == nil {
		var msg jetstream.Msg
		if ahead != nil {
			msg, ahead = <-ahead, nil
		}
		if msg == nil {
			if msg = w.fetchOne(ctx, cons); msg == nil {
				continue
			}
		}
		ahead = w.fetchAhead(ctx, cons)
		w.handle(ctx, msg)
	}
	if ahead != nil {
		<-ahead // nil: the fetcher gave its instance back
	}
}

// fetchAhead fetches one instance on a goroutine and hands it over on the
// channel returned (nil if none came, or ctx is done).
func (w *Worker) fetchAhead(ctx context.Context, cons jetstream.Consumer) <-chan jetstream.Msg {
	ch := make(chan jetstream.Msg)
	go func() {
		m := w.fetchOne(ctx, cons)
		if m == nil {
			ch <- nil
			return
		}
		tick := time.NewTicker(max(w.Queue.AckWait()/3, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case ch <- m:
				return
			case <-tick.C:
				_ = m.InProgress()
			case <-ctx.Done():
				_ = m.Nak()
				ch <- nil
				return
			}
		}
	}()
	return ch
}

// fetchOne pulls one instance, waiting up to a few seconds for one (short
// pulls notice a lost server or a new stream leader soon); nil if none
// came.
func (w *Worker) fetchOne(ctx context.Context, cons jetstream.Consumer) jetstream.Msg {
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := cons.Fetch(1, jetstream.FetchContext(fctx))
	if err == nil {
		for m := range b.Messages() {
			return m
		}
		err = b.Error()
	}
	if err == nil || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return nil
	}
	w.logf("pull from %s: %v (trying again)", WorkStream, err)
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
	return nil
}

// handle solves one instance and acks it once its result is stored.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	t, err := decodeTask(msg.Data())
	if err != nil {
		// Redelivering it would fail the same way.
		w.logf("drop an instance: %v", err)
		_ = msg.Term()
		return
	}
	if t.Make > 0 {
		w.handleMake(ctx, msg, t)
		return
	}
	key := ResultKey(t.Batch, t.ID)
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	if e, err := w.Queue.Results.Get(ctx, key); err == nil {
		// Solved already (a redelivery after the result was stored, or a
		// republish): the stored result stands. Its run event goes out
		// again, in case the delivery that stored it stopped before
		// publishing it (the same key: collectors apply it once).
		if err := w.Queue.republishRun(ctx, e); err != nil {
			w.retry(msg, t, err)
			return
		}
		if msg.DoubleAck(ctx) == nil && w.Done != nil {
			w.Done(t, false)
		}
		return
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		w.retry(msg, t, fmt.Errorf("read result: %w", err))
		return
	}

	hctx, stopBeat := w.beat(ctx, msg)
	// The group this instance completes (if it does) keeps its instances
	// and its making lease until their results are stored below.
	sctx, sess := withSession(hctx, w.shared)
	stored := false
	defer func() { w.endSession(ctx, sess, stored) }()
	lctx, calls := withCallLog(sctx, t.Batch)
	seen := w.imported.Load()
	res, others, err := w.solve(lctx, t)
	if err == nil && res.Status == dispatch.StatusPending && w.imported.Load() != seen {
		// A tool made elsewhere arrived while the instance was pooled: its
		// maker may not have seen it. Solved here, its result is stored
		// below, and the pending one is refused.
		err = w.revisit(lctx, w.shared)
	}
	stopBeat()
	if err != nil {
		w.retry(msg, t, err)
		return
	}
	// The calls' events are in the stream before the result is stored,
	// so a collector that has every event up to a result has its calls.
	if err := w.Queue.waitEvents(ctx, calls); err != nil {
		w.retry(msg, t, err)
		return
	}
	// The other instances a new tool solved go first: once this
	// instance's result is stored, its submitter may stop collecting.
	for _, o := range others {
		o.Worker, o.Delivered = w.Name, delivered
		if err := w.Queue.storeFinal(ctx, o); err != nil {
			w.retry(msg, t, fmt.Errorf("store the result of %s/%s: %w", o.Batch, o.ID, err))
			return
		}
	}
	res.Worker, res.Delivered, res.Calls = w.Name, delivered, calls.list()
	b, err := json.Marshal(res)
	if err != nil {
		w.retry(msg, t, err)
		return
	}
	rev, err := w.Queue.Results.Create(ctx, key, b)
	if err != nil && !isKeyExists(err) {
		w.retry(msg, t, fmt.Errorf("store result: %w", err))
		return
	}
	solved := err == nil
	stored = true
	w.endSession(ctx, sess, true)
	// The run event goes out with the ack: a worker that stops before the
	// stream confirmed it leaves the run to its submitter, which records
	// it from the stored result too.
	var runAck jetstream.PubAckFuture
	if solved {
		if runAck, err = w.Queue.publishEvent(runEvent(res, rev)); err != nil {
			w.retry(msg, t, err) // redelivered, it finds the result and publishes its run
			return
		}
	}
	// The result is stored (or another delivery stored one first): only
	// now may the instance leave the queue. The ack is not waited for: a
	// lost one has the instance redelivered, to find its result stored.
	if err := msg.Ack(); err != nil {
		w.logf("%s/%s: ack: %v (it will be redelivered and find its result stored)", t.Batch, t.ID, err)
		return
	}
	if runAck != nil {
		go func() {
			select {
			case <-runAck.Ok():
			case err := <-runAck.Err():
				w.logf("%s/%s: run event: %v (its submitter records the run from the result)", t.Batch, t.ID, err)
			case <-ctx.Done():
			}
		}()
	}
	w.logf("%s/%s: ok=%v %s", t.Batch, t.ID, res.OK, res.Tool)
	if w.Done != nil {
		w.Done(t, solved)
	}
}

// beat sends in-progress acks for msg until the returned stop is called
// (or ctx is done): they keep a long instance (a slow model) from being
// redelivered to another worker while this one still works on it.
func (w *Worker) beat(ctx context.Context, msg jetstream.Msg) (context.Context, context.CancelFunc) {
	hctx, stop := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(max(w.Queue.AckWait()/3, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-tick.C:
				_ = msg.InProgress()
			}
		}
	}()
	return hctx, stop
}

// endSession ends an instance's make session: the pool entries it solved
// leave the pool if their results were stored, and the making leases it
// kept are released. A group given up half solved (a failure before the
// results were stored) is revisited soon, here or by any other worker.
func (w *Worker) endSession(ctx context.Context, sess *makeSession, stored bool) {
	held := sess.held()
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := sess.end(ectx, stored); err != nil {
		w.logf("end a making: %v (a lease left held expires after its TTL)", err)
	}
	if held && !stored && ctx.Err() == nil {
		go w.revisitSoon(ctx)
	}
}

// revisitSoon revisits the pending pool after the retry pause, again
// until it succeeds or ctx is done.
func (w *Worker) revisitSoon(ctx context.Context) {
	d := w.Retry
	if d <= 0 {
		d = time.Second
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		err := w.revisit(ctx, w.shared)
		if err == nil || ctx.Err() != nil {
			return
		}
		w.logf("revisit the pending pool: %v (trying again)", err)
	}
}

// handleMake serves a request to make a pending group's tool (latm label
// publishes one when a label may have completed a group): the group is
// made if it has enough labelled instances and no tool yet, its instances
// are solved with the new tool and their results stored, and the request
// is acked. One made already, or being made by another worker, is left
// to that (the making lease is waited for).
func (w *Worker) handleMake(ctx context.Context, msg jetstream.Msg, t Task) {
	hctx, stopBeat := w.beat(ctx, msg)
	defer stopBeat()
	sctx, sess := withSession(hctx, w.shared)
	stored := false
	defer func() { w.endSession(ctx, sess, stored) }()
	lctx, calls := withCallLog(sctx, t.Batch)
	sc, err := w.groupScope(ctx, t.Make)
	var rs []dispatch.Result
	if err == nil {
		rs, err = w.dispatcher(sc).MakeReady(lctx, t.Make)
	}
	if err == nil {
		err = w.Queue.waitEvents(ctx, calls)
	}
	if err != nil {
		w.retry(msg, t, err)
		return
	}
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	for _, r := range rs {
		o := routedResult(r, "")
		o.Worker, o.Delivered = w.Name, delivered
		if err := w.Queue.storeFinal(ctx, o); err != nil {
			w.retry(msg, t, fmt.Errorf("store the result of %s/%s: %w", o.Batch, o.ID, err))
			return
		}
	}
	stored = true
	w.endSession(ctx, sess, true)
	if err := msg.Ack(); err != nil {
		w.logf("make group %d: ack: %v (it will be redelivered and find the group made)", t.Make, err)
	}
	w.logf("make group %d: %d instances solved", t.Make, len(rs))
	if w.Done != nil {
		w.Done(t, len(rs) > 0)
	}
}

// retry gives back an instance whose solving failed in the machinery.
func (w *Worker) retry(msg jetstream.Msg, t Task, err error) {
	w.logf("%s/%s: %v (redelivering)", t.Batch, t.ID, err)
	d := w.Retry
	if d <= 0 {
		d = time.Second
	}
	_ = msg.NakWithDelay(d)
}

// solve answers t with its tool, or routes it when it names none. A
// routed instance that completed a pending group comes back with the
// results of the group's other instances, solved with the new tool.
func (w *Worker) solve(ctx context.Context, t Task) (Result, []Result, error) {
	res := Result{Batch: t.Batch, ID: t.ID, Question: t.Question}
	if t.Package == "" {
		rs, err := w.dispatcher(scope{t.Tenant, t.Share}).Handle(ctx, dispatch.Instance{Batch: t.Batch, ID: t.ID, Question: t.Question, Answer: t.Answer})
		if err != nil {
			return res, nil, err
		}
		var others []Result
		found := false
		for _, r := range rs {
			if r.ID == t.ID && r.Batch == t.Batch {
				res, found = routedResult(r, t.Question), true
				continue
			}
			others = append(others, routedResult(r, ""))
		}
		if !found {
			return res, nil, fmt.Errorf("route %s/%s: the dispatcher gave no result for it", t.Batch, t.ID)
		}
		return res, others, nil
	}
	tl, err := w.tool(ctx, t)
	if err != nil {
		return res, nil, err
	}
	start := time.Now()
	run, err := w.eng.Solve(ctx, tl, user.Instance{ID: t.ID, Batch: t.Batch, Question: t.Question})
	if err != nil {
		return res, nil, err
	}
	res.Answer, res.OK, res.Error, res.Tool = run.Answer, run.OK, run.Error, tl.Ref()
	res.Code, res.RawResult, res.LatencyNS = run.Code, run.RawResult, int64(run.Latency)
	if res.LatencyNS == 0 {
		res.LatencyNS = int64(time.Since(start))
	}
	return res, nil, nil
}

// routedResult is the stored form of a dispatcher's result; question is
// the instance's, or "" for another instance (filled in by storeFinal
// from its pending result).
func routedResult(r dispatch.Result, question string) Result {
	res := Result{Batch: r.Batch, ID: r.ID, Question: question, Answer: r.Answer, Tool: r.Tool, Error: r.Error,
		Status: r.Status, Stage: r.Stage, Group: r.Group}
	res.OK = r.Status == dispatch.StatusSolved || (r.Status == dispatch.StatusPending && r.Answer != "")
	if !res.OK && res.Error == "" {
		res.Error = "no answer: " + r.Status
	}
	return res
}

// tool returns the tool package t names, fetched once and checked against
// its content hash.
func (w *Worker) tool(ctx context.Context, t Task) (*tool.Tool, error) {
	w.mu.Lock()
	tl, ok := w.tools[t.Package]
	w.mu.Unlock()
	if ok {
		return tl, nil
	}
	e, err := w.Queue.Tools.Get(ctx, t.Package)
	if err != nil {
		return nil, fmt.Errorf("tool %s (package %s): %w", t.Tool, t.Package, err)
	}
	if got := packageKey(e.Value()); got != t.Package {
		return nil, fmt.Errorf("tool %s: package %s has content hash %s (a corrupt bucket)", t.Tool, t.Package, got)
	}
	tl, err = decodeEntry(e.Value())
	if err != nil {
		return nil, fmt.Errorf("tool %s (package %s): %w", t.Tool, t.Package, err)
	}
	if _, v, err := tool.ParseRef(t.Tool); err == nil {
		tl.Version = v // the submitter's numbering, so runs name the tool as it does
	}
	w.mu.Lock()
	if w.tools == nil {
		w.tools = map[string]*tool.Tool{}
	}
	w.tools[t.Package] = tl
	w.mu.Unlock()
	return tl, nil
}

// scope is whose instances a dispatcher routes (Task.Tenant, Task.Share).
type scope struct {
	tenant string
	share  bool
}

// dispatcher is the dispatcher of sc's instances: the engine's, with the
// shared store in place of the local file (the pending pool and the
// making leases are the deployment's, so a task's instances gather across
// workers and exactly one worker makes its tool). A tenant's routes only
// to the operator's tools and the tenant's own (every tenant's with
// share), and its pool entries, groups and made tools are the tenant's,
// as serve's dispatchers are on one machine.
func (w *Worker) dispatcher(sc scope) *dispatch.Dispatcher {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d := w.disps[sc]; d != nil {
		return d
	}
	base := w.eng.Dispatcher()
	d := &dispatch.Dispatcher{
		Store: scopedStore{w.shared, sc.share, w.invalidateRoutes}, Router: base.Router, Solver: base.Solver, Maker: base.Maker, LLM: base.LLM, Prompts: base.Prompts,
		Unknown: base.Unknown, ModelLabels: base.ModelLabels, MinExamples: base.MinExamples, GroupThreshold: base.GroupThreshold,
		Tenant: sc.tenant,
	}
	if r := base.Router; r != nil && sc != (scope{}) {
		d.Router = &dispatch.Router{Store: r.Store, LLM: r.LLM, Prompts: r.Prompts, Thresholds: r.Thresholds,
			Candidates: r.Candidates, IndexTTL: r.IndexTTL, Tenant: sc.tenant, Share: sc.share}
	}
	if w.disps == nil {
		w.disps = map[scope]*dispatch.Dispatcher{}
	}
	w.disps[sc] = d
	return d
}

// invalidateRoutes has every dispatcher's router see the library anew (a
// tool was imported).
func (w *Worker) invalidateRoutes() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range w.disps {
		if d.Router != nil {
			d.Router.Invalidate()
		}
	}
}

func (w *Worker) logf(format string, args ...any) {
	if w.Log != nil {
		fmt.Fprintf(w.Log, "worker %s: "+format+"\n", append([]any{w.Name}, args...)...)
	}
}

// decodeTask reads an instance off the queue: JSON with a batch, an id and
// a question, and a tool package key only together with the tool's name.
func decodeTask(data []byte) (Task, error) {
	var t Task
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("malformed instance %.80q: %w", data, err)
	}
	switch {
	case t.Make < 0:
		return t, fmt.Errorf("instance %.80q asks to make group %d: groups are numbered from 1", data, t.Make)
	case t.Make > 0:
		if t.Batch == "" || t.Question != "" || t.Tool != "" || t.Package != "" || t.Answer != "" || t.Tenant != "" || t.Share {
			return t, fmt.Errorf("request %.80q to make group %d: give a batch (for its ledger) and no instance", data, t.Make)
		}
		return t, nil
	case t.Batch == "" || t.ID == "":
		return t, fmt.Errorf("instance %.80q has no batch or no id", data)
	case t.Question == "":
		return t, fmt.Errorf("instance %s/%s has no question", t.Batch, t.ID)
	case (t.Tool == "") != (t.Package == ""):
		return t, fmt.Errorf("instance %s/%s names a tool %q with package %q: give both or neither", t.Batch, t.ID, t.Tool, t.Package)
	}
	return t, nil
}

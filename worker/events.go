package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/tool"
)

// The ledger and the runs travel as events on a stream of their own: each
// model call a worker makes (one event, published as it is recorded, before
// the instance's result is stored) and each result it stores (a run event).
// A collector (Queue.Collect, used by every submitter and by latm nats
// collect) applies them to a local file: latm cost and latm runs read that
// file. Every event carries a key, and a file applies a key once
// (library.Store.RecordCallOnce), so a redelivered or republished event is
// never counted twice.
const (
	EventsStream  = "LATM_EVENTS"
	EventsSubject = "latm.events" // latm.events.<hash of the batch>.<kind>
)

// Event kinds.
const (
	EventCall = "call" // a model call: Call
	EventRun  = "run"  // a stored result: Run
)

// Event is one message of EventsStream.
type Event struct {
	Key   string  `json:"key"` // applied once per file
	Kind  string  `json:"kind"`
	Batch string  `json:"batch,omitempty"` // of the instance the call was made for; "" for none
	Call  *Call   `json:"call,omitempty"`
	Run   *Result `json:"run,omitempty"`
}

func eventSubject(batch, kind string) string { return EventsSubject + "." + hash16(batch) + "." + kind }

// EventStore is the local file a collector fills. *library.Store
// implements it.
type EventStore interface {
	RecordCallOnce(ctx context.Context, key string, c *tool.ModelCall) (bool, error)
	RecordRun(ctx context.Context, r *tool.Run) error
	Runs(ctx context.Context, batch string) (map[string]*tool.Run, error)
}

// publishEvent publishes ev with its key as the message id (JetStream
// drops a republish inside the duplicate window; the file drops any).
func (q *Queue) publishEvent(ev Event) (jetstream.PubAckFuture, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return q.JS.PublishMsgAsync(&nats.Msg{Subject: eventSubject(ev.Batch, ev.Kind), Data: b}, jetstream.WithMsgID(ev.Key))
}

// publishEventSync publishes ev and waits for the stream to confirm it.
func (q *Queue) publishEventSync(ctx context.Context, ev Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = q.JS.PublishMsg(ctx, &nats.Msg{Subject: eventSubject(ev.Batch, ev.Kind), Data: b}, jetstream.WithMsgID(ev.Key))
	if err != nil {
		return fmt.Errorf("publish %s event %s: %w", ev.Kind, ev.Key, err)
	}
	return nil
}

// runEvent is the event of result r stored at revision rev.
func runEvent(r Result, rev uint64) Event {
	return Event{Key: "run." + ResultKey(r.Batch, r.ID) + "." + strconv.FormatUint(rev, 10), Kind: EventRun, Batch: r.Batch, Run: &r}
}

// callEvents numbers the call events of one worker process: keys are the
// worker's owner name (unique per process) and a sequence number.
type callEvents struct {
	q     *Queue
	owner string
	seq   atomic.Int64
}

func (c *callEvents) publish(batch string, call Call) (jetstream.PubAckFuture, Event, error) {
	ev := Event{Key: "call." + c.owner + "." + strconv.FormatInt(c.seq.Add(1), 10), Kind: EventCall, Batch: batch, Call: &call}
	a, err := c.q.publishEvent(ev)
	return a, ev, err
}

// waitEvents waits for the call events published for an instance; one the
// stream did not confirm is published again, synchronously.
func (q *Queue) waitEvents(ctx context.Context, l *callLog) error {
	acks, events := l.pubs()
	for i, a := range acks {
		select {
		case <-a.Ok():
			continue
		case <-a.Err():
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := q.publishEventSync(ctx, events[i]); err != nil {
			return err
		}
	}
	return nil
}

// CollectOptions steer Queue.Collect.
type CollectOptions struct {
	// Name names the collector's durable consumer: the same name resumes
	// where it stopped. Required.
	Name string
	// Batch, if set, collects only the events of that batch.
	Batch string
	// Applied, if set, is called for each event newly applied to the file.
	Applied func(Event)
}

// Collector applies events to a local file.
type Collector struct {
	q     *Queue
	st    EventStore
	o     CollectOptions
	cons  jetstream.Consumer
	final map[string]map[string]bool // batch → ids whose run in the file has a tool
}

// Collector returns a collector of the events (of o.Batch, or all) into
// st, resuming the durable consumer o.Name.
func (q *Queue) Collector(ctx context.Context, st EventStore, o CollectOptions) (*Collector, error) {
	if o.Name == "" {
		return nil, errors.New("collect: no collector name given")
	}
	filter := EventsSubject + ".>"
	if o.Batch != "" {
		filter = EventsSubject + "." + hash16(o.Batch) + ".*"
	}
	// Each event is acknowledged on its own, after it is applied: with one
	// acknowledgement for a whole fetch (AckAll), a collector that resumed
	// the consumer of one killed mid-fetch acknowledged, with its own first
	// events, the ones the killed one had fetched and not applied, and they
	// were never delivered again. "explicit" names the consumer apart from
	// the AckAll ones of older versions (the file applies each event once, so
	// reading the stream again from its start is harmless).
	h := sha256.Sum256([]byte(o.Name + "\x00" + filter + "\x00explicit"))
	cons, err := q.Events.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: "collect_" + hex.EncodeToString(h[:12]), FilterSubject: filter,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: 5 * time.Second, MaxAckPending: 10_000,
		InactiveThreshold: 7 * 24 * time.Hour, Replicas: q.opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("collect: consumer on %s: %w", filter, err)
	}
	return &Collector{q: q, st: st, o: o, cons: cons, final: map[string]map[string]bool{}}, nil
}

// Drain applies the events until none is left to deliver, the ones
// published after it began included up to the moment it finds none.
func (c *Collector) Drain(ctx context.Context) error {
	for {
		done := false
		err := retrying(ctx, func() error {
			info, err := c.cons.Info(ctx)
			if err != nil {
				return transient{fmt.Errorf("collect: %w", err)}
			}
			done = info.NumPending == 0 && info.NumAckPending == 0
			return nil
		})
		if err != nil || done {
			return err
		}
		if err := retrying(ctx, func() error { return c.fetch(ctx, 100*time.Millisecond) }); err != nil {
			return err
		}
	}
}

// Run applies events as they come until ctx is done.
func (c *Collector) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := retrying(ctx, func() error { return c.fetch(ctx, time.Second) }); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

// runUntil applies events until stop is closed and then until none is
// left to deliver (Drain), in one loop, so that no fetched event is left
// unacknowledged.
func (c *Collector) runUntil(ctx context.Context, stop <-chan struct{}) error {
	for {
		select {
		case <-stop:
			return c.Drain(ctx)
		default:
		}
		if err := retrying(ctx, func() error { return c.fetch(ctx, 100*time.Millisecond) }); err != nil {
			return err
		}
	}
}

// fetch applies one batch of events, in stream order, acknowledging each
// once it is applied. A batch fetched is applied
// whole even if ctx is cancelled meanwhile, so that no event waits out the
// ack wait; a process that dies before the ack has them delivered again,
// and the file skips what it applied.
func (c *Collector) fetch(ctx context.Context, wait time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := c.cons.Fetch(256, jetstream.FetchMaxWait(wait))
	if err != nil {
		return transient{fmt.Errorf("collect: %w", err)}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var last jetstream.Msg
	for m := range b.Messages() {
		if err := c.apply(ctx, m.Data()); err != nil {
			return err
		}
		if last != nil {
			if err := last.Ack(); err != nil {
				return transient{fmt.Errorf("collect: ack: %w", err)} // delivered again, skipped by the file
			}
		}
		last = m
	}
	if last != nil {
		// The last one waits for the server, which has then taken every
		// acknowledgement sent before it on this connection.
		if err := last.DoubleAck(ctx); err != nil {
			return transient{fmt.Errorf("collect: ack: %w", err)}
		}
	}
	if err := b.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		return transient{fmt.Errorf("collect: %w", err)}
	}
	return nil
}

// transient is a failure of the connection or the cluster (a lost server,
// a leader election): the collector tries again.
type transient struct{ error }

func (t transient) Unwrap() error { return t.error }

// retrying runs step until it succeeds or fails for good: a transient
// failure is retried with a growing pause, up to a minute of them in a row.
func retrying(ctx context.Context, step func() error) error {
	pause, since := 50*time.Millisecond, time.Time{}
	for {
		err := step()
		var tr transient
		if err == nil || !errors.As(err, &tr) {
			return err
		}
		if since.IsZero() {
			since = time.Now()
		} else if time.Since(since) > time.Minute {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Second)
	}
}

func (c *Collector) apply(ctx context.Context, data []byte) error {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil || ev.Key == "" {
		return nil // not latm's: nothing to apply, and redelivering it would not help
	}
	switch {
	case ev.Kind == EventCall && ev.Call != nil:
		ok, err := c.st.RecordCallOnce(ctx, ev.Key, ev.Call.modelCall())
		if err != nil {
			return err
		}
		if ok && c.o.Applied != nil {
			c.o.Applied(ev)
		}
	case ev.Kind == EventRun && ev.Run != nil:
		r := ev.Run
		if r.Status == dispatch.StatusPending {
			if r.Answer == "" {
				return nil // nothing to record yet
			}
			final, err := c.finalRuns(ctx, ev.Batch)
			if err != nil {
				return err
			}
			if final[r.ID] {
				return nil // a pending result that arrived after its tool's
			}
		}
		if err := c.st.RecordRun(ctx, r.run(ev.Batch)); err != nil {
			return err
		}
		if r.Status != dispatch.StatusPending {
			if final, err := c.finalRuns(ctx, ev.Batch); err == nil {
				final[r.ID] = true
			}
		}
		if c.o.Applied != nil {
			c.o.Applied(ev)
		}
	}
	return nil
}

// finalRuns is the ids of batch whose run in the file has a tool, read
// once per batch and kept up to date by apply.
func (c *Collector) finalRuns(ctx context.Context, batch string) (map[string]bool, error) {
	if f := c.final[batch]; f != nil {
		return f, nil
	}
	runs, err := c.st.Runs(ctx, batch)
	if err != nil {
		return nil, err
	}
	f := map[string]bool{}
	for id, r := range runs {
		if r.ToolName != "" {
			f[id] = true
		}
	}
	c.final[batch] = f
	return f, nil
}

// run is the local file's run of result r of batch (one without a tool
// for a pending instance the solver answered, as a local stream keeps it).
func (r *Result) run(batch string) *tool.Run {
	name, version, _ := tool.ParseRef(r.Tool)
	run := &tool.Run{Batch: batch, InputID: r.ID, Question: r.Question, ToolName: name, ToolVersion: version,
		Code: r.Code, RawResult: r.RawResult, Answer: r.Answer, OK: r.OK, Error: r.Error, Latency: time.Duration(r.LatencyNS)}
	if r.Status == dispatch.StatusPending {
		run.ToolName, run.ToolVersion, run.Error = "", 0, ""
	}
	return run
}

// collectDuring runs a collector of batch into st while fn runs, drains it
// after, and returns what fn returned. applied gets each event applied.
func (q *Queue) collectDuring(ctx context.Context, st RunStore, batch string, applied func(Event), fn func() error) error {
	c, err := q.Collector(ctx, st, CollectOptions{Name: "submit:" + collectorName(st, batch), Batch: batch, Applied: applied})
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var cerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		cerr = c.runUntil(ctx, stop)
	}()
	ferr := fn()
	close(stop)
	wg.Wait()
	if ferr != nil {
		return ferr
	}
	return cerr
}

// callTally counts the call events a collector applied.
type callTally struct {
	mu                  sync.Mutex
	calls, hits, tokens int
	cost                float64
}

func (t *callTally) add(ev Event) {
	if ev.Kind != EventCall || ev.Call == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	t.tokens += ev.Call.TokensIn + ev.Call.TokensOut
	t.cost += ev.Call.Cost
	if ev.Call.CacheHit {
		t.hits++
	}
}

// Package worker runs latm on NATS JetStream, so that a batch outgrows one
// machine: a submitter publishes a batch's instances on a work-queue
// stream, any number of stateless workers (on any machine) pull them, solve
// each through the engine and store its result in a KV bucket, and the
// submitter collects the results into its local SQLite file and output.
//
// The invariants:
//   - One result per instance. A result's key is derived from its batch and
//     instance id and is written with create-only semantics (KV Create), so
//     a redelivered or republished instance never gives a second result: the
//     worker that finds the key taken acknowledges without solving again.
//   - Nothing acked before it is stored. A worker acks an instance only
//     after the result bucket confirmed the write (a JetStream publish
//     acknowledgement, from a quorum of the bucket's replicas); a worker
//     that dies mid-instance leaves it unacked, and JetStream redelivers it
//     after the consumer's AckWait. A long instance sends in-progress acks.
//   - Nothing lost or doubled on the submitter's side. A submitter that
//     stops and is run again reads the results stored meanwhile and
//     publishes only the instances that have none (publishes carry a
//     message id, so JetStream drops a republish inside its duplicate
//     window).
//   - Tools travel as content-hashed packages (tool.EncodePackage) in a KV
//     bucket: an instance names the hash, a worker fetches, checks and
//     caches it, so a new version reaches every worker with no restart.
//   - One pending pool and one maker per group. Routed instances of unknown
//     tasks gather in a KV bucket every worker's dispatcher uses (pool.go);
//     grouping and making a group's tool are leased by compare-and-swap on
//     KV keys, renewed while held, so a dead holder frees them one TTL later.
//   - The ledger and the runs are events (events.go), applied to a local
//     file once per event key, however often they are delivered.
//
// The package owns the wire: subjects, stream and bucket names, the JSON of
// an instance and a result. Solving is the engine's; the worker holds no
// pipeline logic.
package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
)

// Names of the JetStream assets latm uses. Several latm deployments can
// share one NATS account only under different names; one per account is
// the supported setup.
const (
	WorkStream    = "LATM_WORK"    // the work-queue stream of instances
	WorkSubject   = "latm.work"    // the subject instances are published on
	ResultsBucket = "latm_results" // KV: one result per batch+instance
	ToolsBucket   = "latm_tools"   // KV: tool packages by content hash
	ConsumerName  = "latm_workers" // the durable pull consumer workers share
	PendingBucket = "latm_pending" // KV: the shared pending pool, one key per instance
	LeasesBucket  = "latm_leases"  // KV: leases over grouping and making a group's tool
)

// Task is one instance on the work queue.
type Task struct {
	Batch    string `json:"batch"`
	ID       string `json:"id"`
	Question string `json:"question"`
	// Tool names the tool (name@version, as the submitter's library has
	// it) and Package the key of its package in ToolsBucket. Both empty:
	// the worker routes the instance through its own library.
	Tool    string `json:"tool,omitempty"`
	Package string `json:"package,omitempty"`
	// Answer is the instance's known label (a stream's input may carry
	// one): a routed instance of an unknown task counts it toward making
	// its group's tool.
	Answer string `json:"answer,omitempty"`
	// Tenant is whose instance it is (a serve token's name; "" the
	// operator's). A routed tenant's instance reaches only the operator's
	// tools and the tenant's own, or every tenant's with Share (serve's
	// ShareTools); it is pooled as the tenant's, and a tool its group makes
	// belongs to the tenant.
	Tenant string `json:"tenant,omitempty"`
	Share  bool   `json:"share,omitempty"`
	// Make, when set, is no instance but a request to make that pending
	// group's tool if it is ready (latm label sends one): Batch names the
	// batch its model calls are recorded under, and ID tells requests
	// apart; the other fields are empty.
	Make int64 `json:"make,omitempty"`
}

// Result is what became of one instance, as stored in ResultsBucket.
type Result struct {
	Batch    string `json:"batch"`
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	// Status is the dispatcher's (dispatch.StatusSolved, StatusPending,
	// StatusError) for a routed instance; empty for one solved with a
	// named tool. A pending result is replaced once its group's tool is
	// made and solves it (storeFinal); any other result stands.
	Status    string `json:"status,omitempty"`
	Stage     int    `json:"stage,omitempty"`
	Group     int64  `json:"group,omitempty"`
	Tool      string `json:"tool,omitempty"` // name@version
	Code      string `json:"code,omitempty"`
	RawResult string `json:"raw_result,omitempty"`
	LatencyNS int64  `json:"latency_ns"`
	Worker    string `json:"worker"`          // the worker that solved it
	Delivered uint64 `json:"deliveries"`      // how many times JetStream had delivered the instance
	Calls     []Call `json:"calls,omitempty"` // the model calls made for it, by the delivery that stored it
}

// Options steer the JetStream assets Setup creates.
type Options struct {
	// Replicas of the stream and buckets: 1 for one server, 3 for a
	// three-node cluster (a quorum of them confirms each write).
	Replicas int
	// AckWait is how long an instance delivered to a worker may go without
	// an ack or an in-progress ack before JetStream redelivers it. Workers
	// send in-progress acks every AckWait/3. Zero: 30 s.
	AckWait time.Duration
	// MaxDeliver bounds the deliveries of one instance (a tool that kills
	// every worker that runs it stops after that many); zero: 10.
	MaxDeliver int
	// Duplicates is the window in which a republished instance (same
	// message id) is dropped; zero: 10 minutes.
	Duplicates time.Duration
	// LeaseTTL is how long a lease of the shared pool (grouping, making a
	// group's tool) outlives a holder that stopped renewing it; zero: the
	// dispatcher's (a minute for grouping, two for making). The clocks of
	// the machines must agree to well within it.
	LeaseTTL time.Duration
	// EventsMaxAge is how long the ledger and run events are kept for
	// collectors that have not read them; zero: a week.
	EventsMaxAge time.Duration
}

func (o Options) withDefaults() Options {
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 10
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 10 * time.Minute
	}
	if o.EventsMaxAge <= 0 {
		o.EventsMaxAge = 7 * 24 * time.Hour
	}
	return o
}

// Queue is a connection to the JetStream assets of latm.
type Queue struct {
	NC      *nats.Conn
	JS      jetstream.JetStream
	Results jetstream.KeyValue
	Tools   jetstream.KeyValue
	Pending jetstream.KeyValue
	Leases  jetstream.KeyValue
	Stream  jetstream.Stream
	Events  jetstream.Stream
	opts    Options
	closed  chan struct{} // closed once NC is (Connect's connections only)
}

// Connect connects to the NATS servers at url (a comma-separated list)
// and creates or updates latm's stream, consumer and buckets with o.
func Connect(ctx context.Context, url string, o Options) (*Queue, error) {
	closed := make(chan struct{})
	nc, err := nats.Connect(url, nats.Name("latm"), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(false),
		nats.DrainTimeout(closeTimeout), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return nil, fmt.Errorf("connect to nats at %s: %w (fix: start a server with latm nats, or pass the URL of a running one)", url, err)
	}
	q, err := Setup(ctx, nc, o)
	if err != nil {
		nc.Close()
		return nil, err
	}
	q.closed = closed
	return q, nil
}

// closeTimeout bounds how long Close waits for the connection to drain.
const closeTimeout = 10 * time.Second

// Setup creates latm's streams, consumer and buckets on nc, or updates
// those whose configuration differs from o's (see ensureStream).
func Setup(ctx context.Context, nc *nats.Conn, o Options) (*Queue, error) {
	o = o.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	q := &Queue{NC: nc, JS: js, opts: o}
	q.Stream, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: WorkStream, Subjects: []string{WorkSubject},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
		Replicas: o.Replicas, Duplicates: o.Duplicates,
	})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w (fix: the server needs JetStream enabled, and %d node(s) for %d replica(s))", WorkStream, err, o.Replicas, o.Replicas)
	}
	if _, err := ensureConsumer(ctx, q.Stream, jetstream.ConsumerConfig{
		Durable: ConsumerName, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: o.AckWait, MaxDeliver: o.MaxDeliver, MaxAckPending: 1000,
		Replicas: o.Replicas,
	}); err != nil {
		return nil, fmt.Errorf("consumer %s: %w", ConsumerName, err)
	}
	q.Events, err = ensureStream(ctx, js, jetstream.StreamConfig{
		Name: EventsStream, Subjects: []string{EventsSubject + ".>"},
		Retention: jetstream.LimitsPolicy, Storage: jetstream.FileStorage, MaxAge: o.EventsMaxAge,
		Replicas: o.Replicas, Duplicates: o.Duplicates,
	})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", EventsStream, err)
	}
	if q.Results, err = bucket(ctx, js, ResultsBucket, "latm results, one per batch and instance", o.Replicas); err != nil {
		return nil, err
	}
	if q.Tools, err = bucket(ctx, js, ToolsBucket, "latm tool packages by content hash", o.Replicas); err != nil {
		return nil, err
	}
	if q.Pending, err = bucket(ctx, js, PendingBucket, "latm pending pool: instances of unknown tasks", o.Replicas); err != nil {
		return nil, err
	}
	if q.Leases, err = bucket(ctx, js, LeasesBucket, "latm leases over the pending pool and tool making", o.Replicas); err != nil {
		return nil, err
	}
	return q, nil
}

func bucket(ctx context.Context, js jetstream.JetStream, name, desc string, replicas int) (jetstream.KeyValue, error) {
	kv, err := ensureBucket(ctx, js, jetstream.KeyValueConfig{
		Bucket: name, Description: desc, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s: %w", name, err)
	}
	return kv, nil
}

// Close closes the connection after flushing what was published, and
// returns once it is closed (a connection of Connect; Setup's is left to
// drain in the background): a process that exits after Close loses
// nothing it published, and leaves no request of its own in flight at a
// server stopping after it.
func (q *Queue) Close() {
	_ = q.NC.Drain() // an error: closed or draining already; closed is closed once it is
	if q.closed == nil {
		return
	}
	select {
	case <-q.closed:
	case <-time.After(closeTimeout + time.Second):
	}
}

// AckWait is the consumer's ack wait the queue was set up with.
func (q *Queue) AckWait() time.Duration { return q.opts.AckWait }

// hash16 is the first 16 bytes of s's SHA-256, in hex: KV keys allow only
// [-/_=.a-zA-Z0-9], and batch and instance ids are free text.
func hash16(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:16])
}

// batchPrefix is the key prefix of every result of batch.
func batchPrefix(batch string) string { return "r." + hash16(batch) }

// ResultKey is the key of the result of instance id of batch.
func ResultKey(batch, id string) string { return batchPrefix(batch) + "." + hash16(id) }

// packageKey is the key of a tool package: its content hash.
func packageKey(pkg []byte) string {
	h := sha256.Sum256(pkg)
	return "pkg." + hex.EncodeToString(h[:])
}

// isKeyExists says whether err is a create-only write that found the key taken.
func isKeyExists(err error) bool { return errors.Is(err, jetstream.ErrKeyExists) }

// isRevisionMismatch says whether err is a compare-and-swap write that
// found another revision: someone wrote the key meanwhile.
func isRevisionMismatch(err error) bool {
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists)
}

// storeFinal stores r, the result a new tool gave an instance another
// delivery routed to the pending pool: it replaces that instance's pending
// result (compare-and-swap on its revision), or is created if the pending
// result is not stored yet, and publishes its run event. A final result
// stored already stands.
func (q *Queue) storeFinal(ctx context.Context, r Result) error {
	key := ResultKey(r.Batch, r.ID)
	for {
		e, err := q.Results.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			rev, err := q.Results.Create(ctx, key, b)
			if err == nil {
				return q.publishEventSync(ctx, runEvent(r, rev))
			}
			if !isKeyExists(err) {
				return err
			}
			continue // stored meanwhile: look again
		}
		if err != nil {
			return err
		}
		var old Result
		if json.Unmarshal(e.Value(), &old) == nil && old.Status != dispatch.StatusPending {
			return nil
		}
		if r.Question == "" {
			r.Question = old.Question
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		rev, err := q.Results.Update(ctx, key, b, e.Revision())
		if err == nil {
			return q.publishEventSync(ctx, runEvent(r, rev))
		}
		if !isRevisionMismatch(err) {
			return err
		}
	}
}

// republishRun publishes the run event of a stored result again.
func (q *Queue) republishRun(ctx context.Context, e jetstream.KeyValueEntry) error {
	var r Result
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return fmt.Errorf("result %s: %w", e.Key(), err)
	}
	return q.publishEventSync(ctx, runEvent(r, e.Revision()))
}

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/tool"
)

// StreamOptions steer Queue.SubmitStream.
type StreamOptions struct {
	Batch string // id results are keyed and recorded under; required
	// Import imports the tools workers made into the submitting machine's
	// library once the stream ends (ToolImport).
	Import ToolImport
}

// SubmitStream is dispatch.Stream over the queue: each instance next gives is
// published with no tool, so a worker routes it (to a tool, or to the
// pending pool with its label, where the group's tool is made once it has
// enough labelled instances), and every result a worker stores is recorded
// in st (the local file) and handed to emit as it arrives. An instance
// reported pending is reported again when a tool made later solves it;
// a reader takes an instance's last line as its result.
//
// It resumes as a local stream does: an instance with a stored result is
// not published again (its result is reported from the bucket), nor is one
// the local file has a tool's run of. The input is read while results
// arrive, so next may block (standard input). The stream ends once the
// input has ended and every instance has a result; a cancelled ctx stops
// it, and a rerun resumes.
//
// The ledger rows come as events, applied to st as Submit does.
func (q *Queue) SubmitStream(ctx context.Context, st RunStore, o StreamOptions, next func() (dispatch.StreamItem, error), emit func(dispatch.Result) error) (sum dispatch.StreamSummary, err error) {
	if o.Batch == "" {
		return sum, errors.New("stream: no batch id given")
	}
	var tally callTally
	before, err := q.toolKeys(ctx)
	if err != nil {
		return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
	}
	used := map[string]bool{} // names of the tools the results name
	err = q.collectDuring(ctx, st, o.Batch, tally.add, func() error {
		sum, err = q.submitStream(ctx, st, o, used, next, emit)
		return err
	})
	sum.Calls, sum.Tokens, sum.Cost, sum.Hits = tally.calls, tally.tokens, tally.cost, tally.hits
	if after, kerr := q.toolKeys(ctx); kerr == nil {
		for k := range after {
			if !before[k] { // a package published while the stream ran: a tool a worker made
				sum.ToolsMade++
			}
		}
	}
	if ctx.Err() == nil {
		if _, ierr := q.importTools(ctx, o.Import, before, used); ierr != nil && err == nil {
			err = fmt.Errorf("stream %s: %w", o.Batch, ierr)
		}
	}
	return sum, err
}

// toolKeys returns the keys of the packages in the tools bucket.
func (q *Queue) toolKeys(ctx context.Context) (map[string]bool, error) {
	keys := map[string]bool{}
	lister, err := q.Tools.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", err)
	}
	defer lister.Stop()
	for k := range lister.Keys() {
		keys[k] = true
	}
	return keys, nil
}

func (q *Queue) submitStream(ctx context.Context, st RunStore, o StreamOptions, used map[string]bool, next func() (dispatch.StreamItem, error), emit func(dispatch.Result) error) (sum dispatch.StreamSummary, err error) {
	done, err := st.Runs(ctx, o.Batch)
	if err != nil {
		return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
	}
	watch, err := q.Results.Watch(ctx, batchPrefix(o.Batch)+".*")
	if err != nil {
		return sum, fmt.Errorf("stream %s: watch results: %w", o.Batch, err)
	}
	defer watch.Stop()
	stored, err := storedEntries(ctx, watch)
	if err != nil {
		return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
	}

	// The input is read on a goroutine of its own: a stream on standard
	// input may never end, and results must be taken meanwhile.
	type line struct {
		it  dispatch.StreamItem
		err error
	}
	lines := make(chan line)
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		defer close(lines)
		for {
			it, err := next()
			select {
			case lines <- line{it, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	type inst struct {
		id       string
		question string
		status   string // last reported; "" none yet
		revision uint64 // of the result last taken
	}
	insts := map[string]*inst{} // by result key
	open := 0                   // instances with no result yet
	defer func() {
		for _, in := range insts {
			switch in.status {
			case "":
				continue
			case dispatch.StatusSolved:
				sum.Solved++
			case dispatch.StatusPending:
				sum.Pending++
			default:
				sum.Errors++
			}
			sum.Instances++
		}
	}()
	report := func(in *inst, r dispatch.Result) error {
		if in.status == "" {
			open--
		}
		in.status = r.Status
		return emit(r)
	}
	// take records a stored result of an instance of the input and
	// reports it, unless it reports nothing new.
	take := func(e jetstream.KeyValueEntry) error {
		in := insts[e.Key()]
		if in == nil || e.Operation() != jetstream.KeyValuePut || e.Revision() <= in.revision {
			return nil
		}
		if in.status != "" && in.status != dispatch.StatusPending {
			return nil // final already
		}
		var r Result
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return fmt.Errorf("result %s: %w", e.Key(), err)
		}
		if r.Question != "" && r.Question != in.question {
			return nil // an older answer, cleared when published; its replacement follows
		}
		in.revision = e.Revision()
		if name, _, err := tool.ParseRef(r.Tool); err == nil && name != "" {
			used[name] = true
		}
		res := streamResult(r)
		if r.Status == dispatch.StatusPending && r.Answer == "" {
			return report(in, res) // nothing to record yet
		}
		r.Question = in.question
		if err := st.RecordRun(ctx, r.run(o.Batch)); err != nil {
			return err
		}
		return report(in, res)
	}

	var acks []jetstream.PubAckFuture
	publish := func(it dispatch.StreamItem) error {
		key := ResultKey(o.Batch, it.ID)
		if _, dup := insts[key]; dup {
			return nil // the reader refuses duplicate ids; a second line changes nothing
		}
		in := &inst{id: it.ID, question: it.Question}
		insts[key] = in
		open++
		if e := stored[key]; e != nil && e.Operation() == jetstream.KeyValuePut {
			var r Result
			if json.Unmarshal(e.Value(), &r) == nil && (r.Question == it.Question || r.Question == "") {
				return take(e)
			}
		}
		if run := done[it.ID]; run != nil && run.Question == it.Question && run.ToolName != "" {
			return report(in, resultOfRun(run))
		}
		msgID := key + ".0"
		if e := stored[key]; e != nil {
			if e.Operation() == jetstream.KeyValuePut {
				// An answer to another question under this id: solve it again.
				if err := q.Results.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
					return fmt.Errorf("clear the earlier result of %q: %w", it.ID, err)
				}
			}
			msgID = key + "." + strconv.FormatUint(e.Revision(), 10)
		}
		b, err := json.Marshal(Task{Batch: o.Batch, ID: it.ID, Question: it.Question, Answer: it.Answer})
		if err != nil {
			return err
		}
		a, err := q.JS.PublishMsgAsync(&nats.Msg{Subject: WorkSubject, Data: b}, jetstream.WithMsgID(msgID))
		if err != nil {
			return fmt.Errorf("publish %q: %w", it.ID, err)
		}
		acks = append(acks, a)
		return nil
	}
	// confirm waits for the publishes so far; a lost one is an error the
	// rerun repairs.
	confirm := func() error {
		for _, a := range acks {
			select {
			case <-a.Ok():
			case err := <-a.Err():
				return fmt.Errorf("publish: %w", err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		acks = acks[:0]
		return nil
	}

	// settled says whether the stream may end once every instance has a
	// result: no group's tool is being made, and each instance reported
	// pending is still in the shared pool (one taken out of it was solved,
	// and its result is on its way — waited for up to an ack wait, the
	// time a dead solver's instance takes to be redelivered).
	var unsettledSince time.Time
	settled := func() (bool, error) {
		making, err := q.making(ctx)
		if err != nil || making {
			return false, err
		}
		for key, in := range insts {
			if in.status != dispatch.StatusPending {
				continue
			}
			_, err := q.Pending.Get(ctx, pendingKey(pendingID(o.Batch+":"+in.id)))
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				if unsettledSince.IsZero() {
					unsettledSince = time.Now()
				}
				if time.Since(unsettledSince) < q.AckWait() {
					return false, nil
				}
				continue // its solver is gone: reported pending, a rerun reads it
			}
			if err != nil {
				return false, fmt.Errorf("pending pool entry of %s: %w", key, err)
			}
		}
		return true, nil
	}

	input := lines
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if input == nil && open == 0 {
			ok, err := settled()
			if err != nil {
				return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
			}
			if ok {
				return sum, nil
			}
		}
		select {
		case l, ok := <-input:
			if !ok || errors.Is(l.err, io.EOF) {
				input = nil
				if err := confirm(); err != nil {
					return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
				}
				continue
			}
			if l.err != nil {
				return sum, l.err
			}
			if err := publish(l.it); err != nil {
				return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
			}
		case e, ok := <-watch.Updates():
			if !ok {
				return sum, fmt.Errorf("stream %s: the result watch closed", o.Batch)
			}
			if e == nil {
				continue
			}
			stored[e.Key()] = e
			if err := take(e); err != nil {
				return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
			}
		case <-tick.C:
			if err := confirm(); err != nil {
				return sum, fmt.Errorf("stream %s: %w", o.Batch, err)
			}
		case <-ctx.Done():
			return sum, ctx.Err()
		}
	}
}

// making says whether some worker holds a group's making lease (one
// that has not expired).
func (q *Queue) making(ctx context.Context) (bool, error) {
	w, err := q.Leases.Watch(ctx, makeLeasePrefix+"*", jetstream.IgnoreDeletes())
	if err != nil {
		return false, fmt.Errorf("making leases: %w", err)
	}
	defer w.Stop()
	now := time.Now().UnixNano()
	making := false
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return false, errors.New("making leases: the watch closed")
			}
			if e == nil {
				return making, nil
			}
			var l leaseEntry
			if json.Unmarshal(e.Value(), &l) == nil && l.Expires > now {
				making = true
			}
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// streamResult is the stream line of a stored result.
func streamResult(r Result) dispatch.Result {
	res := dispatch.Result{ID: r.ID, Status: r.Status, Answer: r.Answer, Tool: r.Tool, Stage: r.Stage, Group: r.Group,
		Calls: len(r.Calls), Error: r.Error}
	for _, c := range r.Calls {
		res.Cost += c.Cost
	}
	if res.Status == "" { // solved with a named tool
		res.Status = dispatch.StatusSolved
		if !r.OK {
			res.Status = dispatch.StatusError
		}
	}
	return res
}

// resultOfRun is the stream line of an instance the local file has done.
func resultOfRun(r *tool.Run) dispatch.Result {
	res := dispatch.Result{ID: r.InputID, Status: dispatch.StatusSolved, Answer: r.Answer, Tool: tool.Ref(r.ToolName, r.ToolVersion)}
	if !r.OK {
		res.Status, res.Error = dispatch.StatusError, r.Error
	}
	return res
}

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// RunStore is the submitter's local file: the runs it collected, read back
// to resume, and the ledger its collector fills from the events.
// *library.Store implements it.
type RunStore interface {
	EventStore
}

// collectorName names a submitter's collector of batch: by its file, when
// the store says (*library.Store does), so that a rerun resumes it.
func collectorName(st RunStore, batch string) string {
	if p, ok := st.(interface{ Path() string }); ok {
		return p.Path() + "\x00" + batch
	}
	return batch
}

// SubmitOptions steer Submit.
type SubmitOptions struct {
	Batch string     // the batch id results are keyed and recorded under; required
	Tool  *tool.Tool // the tool every instance is solved with; nil: workers route
	// Tenant and Share scope the routing of a batch that names no tool
	// (Task.Tenant, Task.Share): whose instances they are, and whether
	// they may reach other tenants' tools.
	Tenant string
	Share  bool
	// Progress, if set, is called after each result collected in this run,
	// with the count so far and the count to collect.
	Progress func(done, total int)
	// Import imports the tools workers made while they routed the batch
	// (Tool nil) into the submitting machine's library once it is done
	// (ToolImport).
	Import ToolImport
}

// Submit publishes the instances of items that have no result yet, collects
// their results as workers store them, records each in st (the local file)
// and hands every item's result to emit in input order, like
// user.SolveBatch does on one machine.
//
// It resumes: an item with an OK run in st (same question, and a tool: a
// pending one is read again) is not published again, nor is one whose
// result is in the bucket already (a submitter stopped after the workers
// finished; a pending one its group's tool solved since). A failed result from an
// earlier run is removed and the instance published again, as a rerun of
// a local batch solves its failures again. A cancelled ctx stops it; what
// was emitted stays valid and a rerun resumes after it.
//
// The ledger rows of the batch come as events (see EventsStream): a
// collector applies them to st while the batch runs, and drains them
// before Submit returns; the summary counts the calls applied.
func (q *Queue) Submit(ctx context.Context, st RunStore, items []user.BatchItem, o SubmitOptions, emit func(user.BatchResult) error) (sum user.BatchSummary, err error) {
	if o.Batch == "" {
		return sum, errors.New("submit: no batch id given")
	}
	var tally callTally
	var before map[string]bool
	if o.Tool == nil && o.Import.Store != nil {
		if before, err = q.toolKeys(ctx); err != nil {
			return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
		}
	}
	used := map[string]bool{}
	err = q.collectDuring(ctx, st, o.Batch, tally.add, func() error {
		sum, err = q.submit(ctx, st, items, o, used, emit)
		return err
	})
	sum.Calls, sum.Tokens, sum.Cost, sum.Hits = tally.calls, tally.tokens, tally.cost, tally.hits
	if before != nil && ctx.Err() == nil {
		if _, ierr := q.importTools(ctx, o.Import, before, used); ierr != nil && err == nil {
			err = fmt.Errorf("submit %s: %w", o.Batch, ierr)
		}
	}
	return sum, err
}

func (q *Queue) submit(ctx context.Context, st RunStore, items []user.BatchItem, o SubmitOptions, used map[string]bool, emit func(user.BatchResult) error) (sum user.BatchSummary, err error) {
	done, err := st.Runs(ctx, o.Batch)
	if err != nil {
		return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
	}
	task := Task{Batch: o.Batch, Tenant: o.Tenant, Share: o.Share}
	ref := ""
	if o.Tool != nil {
		key, err := q.PublishTool(ctx, o.Tool)
		if err != nil {
			return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
		}
		task.Tool, task.Package, ref = o.Tool.Ref(), key, o.Tool.Ref()
	}

	// The watcher gives every result of the batch stored so far, then a
	// nil marker, then each one as a worker stores it.
	watch, err := q.Results.Watch(ctx, batchPrefix(o.Batch)+".*")
	if err != nil {
		return sum, fmt.Errorf("submit %s: watch results: %w", o.Batch, err)
	}
	defer watch.Stop()

	results := make([]user.BatchResult, len(items))
	ready := make([]bool, len(items))
	byKey := map[string]int{} // result key → index, of the items awaited
	for i, it := range items {
		switch r := done[it.ID]; {
		case it.Bad != "":
			results[i], ready[i] = user.BatchResult{ID: it.ID, Error: fmt.Sprintf("line %d: %s", it.Line, it.Bad), Tool: ref}, true
		case r != nil && r.OK && r.Question == it.Question && r.ToolName != "":
			// (A routed instance's pending run, with no tool, is read
			// from the bucket again: its group's tool may have solved it.)
			results[i], ready[i] = user.BatchResult{ID: it.ID, Answer: r.Answer, OK: true, Tool: tool.Ref(r.ToolName, r.ToolVersion), Resumed: true}, true
		default:
			byKey[ResultKey(o.Batch, it.ID)] = i
		}
	}
	total := len(byKey)

	stored, err := storedEntries(ctx, watch)
	if err != nil {
		return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
	}

	// Publish what has no usable result. A message id per key and
	// revision lets JetStream drop a republish of the same instance.
	var acks []jetstream.PubAckFuture
	for i, it := range items {
		key := ResultKey(o.Batch, it.ID)
		if j, ok := byKey[key]; !ok || j != i {
			continue
		}
		msgID := key + ".0"
		if e := stored[key]; e != nil {
			if e.Operation() == jetstream.KeyValuePut {
				var r Result
				if json.Unmarshal(e.Value(), &r) == nil && r.OK && r.Question == it.Question {
					continue // collected below from the stored entry
				}
				// A failure, or an answer to another question under this id:
				// solve it again.
				if err := q.Results.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
					return sum, fmt.Errorf("submit %s: clear the earlier result of %q: %w", o.Batch, it.ID, err)
				}
				delete(stored, key)
			}
			msgID = key + "." + strconv.FormatUint(e.Revision(), 10)
		}
		t := task
		t.ID, t.Question = it.ID, it.Question
		b, err := json.Marshal(t)
		if err != nil {
			return sum, err
		}
		a, err := q.JS.PublishMsgAsync(&nats.Msg{Subject: WorkSubject, Data: b}, jetstream.WithMsgID(msgID))
		if err != nil {
			return sum, fmt.Errorf("submit %s: publish %q: %w", o.Batch, it.ID, err)
		}
		acks = append(acks, a)
	}
	for _, a := range acks {
		select {
		case <-a.Ok():
		case err := <-a.Err():
			return sum, fmt.Errorf("submit %s: publish: %w (rerun the same command to resume)", o.Batch, err)
		case <-ctx.Done():
			return sum, ctx.Err()
		}
	}

	next, collected := 0, 0
	// take records an arrived result and emits every result now in order.
	take := func(e jetstream.KeyValueEntry) error {
		i, ok := byKey[e.Key()]
		if !ok || ready[i] || e.Operation() != jetstream.KeyValuePut {
			return nil
		}
		var r Result
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return fmt.Errorf("result %s of %q: %w", e.Key(), items[i].ID, err)
		}
		if r.Question != items[i].Question {
			return nil // an older answer, cleared above; its replacement follows
		}
		name, version, _ := tool.ParseRef(r.Tool)
		if name != "" {
			used[name] = true
		}
		run := &tool.Run{Batch: o.Batch, InputID: r.ID, Question: r.Question, ToolName: name, ToolVersion: version,
			Code: r.Code, RawResult: r.RawResult, Answer: r.Answer, OK: r.OK, Error: r.Error, Latency: time.Duration(r.LatencyNS)}
		// Recorded here and by the result's run event: either way one run.
		if err := st.RecordRun(ctx, run); err != nil {
			return err
		}
		results[i] = user.BatchResult{ID: r.ID, Answer: r.Answer, OK: r.OK, Error: r.Error, Tool: r.Tool}
		ready[i] = true
		collected++
		if o.Progress != nil {
			o.Progress(collected, total)
		}
		return nil
	}
	flush := func() error {
		for ; next < len(items) && ready[next]; next++ {
			if err := emit(results[next]); err != nil {
				return err
			}
			r := results[next]
			sum.Items++
			if r.OK {
				sum.OK++
			} else {
				sum.Failed++
			}
			if items[next].Bad != "" {
				sum.Bad++
			}
			if r.Resumed {
				sum.Resumed++
			}
		}
		return nil
	}
	for _, e := range stored {
		if err := take(e); err != nil {
			return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
		}
	}
	for {
		if err := flush(); err != nil {
			return sum, err
		}
		if next == len(items) {
			return sum, nil
		}
		select {
		case e, ok := <-watch.Updates():
			if !ok {
				return sum, fmt.Errorf("submit %s: the result watch closed (rerun the same command to resume)", o.Batch)
			}
			if e == nil {
				continue
			}
			if err := take(e); err != nil {
				return sum, fmt.Errorf("submit %s: %w", o.Batch, err)
			}
		case <-ctx.Done():
			return sum, ctx.Err()
		}
	}
}

// storedEntries reads the entries a watch delivers before its first nil
// (the values stored when it began).
func storedEntries(ctx context.Context, watch jetstream.KeyWatcher) (map[string]jetstream.KeyValueEntry, error) {
	stored := map[string]jetstream.KeyValueEntry{}
	for {
		select {
		case e, ok := <-watch.Updates():
			if !ok {
				return nil, errors.New("the result watch closed")
			}
			if e == nil {
				return stored, nil
			}
			stored[e.Key()] = e
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

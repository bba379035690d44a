package dispatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

// StreamItem is one instance of a stream's input; Line says where it came
// from, for messages.
type StreamItem struct {
	Line int
	Instance
}

// StreamOptions steer Stream.
type StreamOptions struct {
	Batch   string // id decisions and runs are recorded and resumed under; required
	Workers int    // instances handled at once; below 1 means 1
}

// StreamSummary counts what a stream did: each instance by the last status
// it was reported with, the tools made and the model calls paid.
type StreamSummary struct {
	Instances int `json:"instances"`
	Solved    int `json:"solved"`
	Pending   int `json:"pending"`
	Errors    int `json:"errors"`
	ToolsMade int `json:"tools_made"`
	// Unmade names each group ready to be made whose tool was not made,
	// and why (Dispatcher.Unmade).
	Unmade []string `json:"unmade,omitempty"`
	Calls  int      `json:"calls"`
	Hits   int      `json:"cache_hits"`
	Tokens int      `json:"tokens"`
	Cost   float64  `json:"cost"`
}

// Stream runs a stream of instances under o.Batch, handing every result to
// emit (one call at a time) as soon as it is known. next gives the input
// instances in order and io.EOF after the last.
//
// It resumes a stopped stream: first groups that are ready (labelled since,
// e.g. with latm label) are made and pending instances a tool exists for
// now are solved (MakeReady, Revisit); then each input instance is
//   - reported from its run, if the batch has done it already;
//   - reported pending, if it waits in the pool complete (grouped and, under
//     UnknownSolver, answered);
//   - finished (Resume), if the stream stopped while it was being pooled;
//   - handled (Handle) otherwise.
//
// A stream reports its own instances only (with an empty Batch): those of
// other batches that a new tool solves are recorded under their batch, for
// their own stream to report. When the input ends, an instance still
// reported pending whose run the store now has (a tool made by another
// process solved it) is reported again from that run. An instance reported
// solved or failed is not reported again in the same run; a reader takes
// an instance's last line as its result.
//
// The error policy is SolveBatch's: a failed instance is a result; a
// failure of the machinery (a *user.ItemError), of next, of emit or a
// cancelled ctx stops the stream, and a rerun resumes it.
func (d *Dispatcher) Stream(ctx context.Context, o StreamOptions, next func() (StreamItem, error), emit func(Result) error) (sum StreamSummary, err error) {
	if o.Batch == "" {
		return sum, errors.New("stream: no batch id given")
	}
	ctx, meter := llm.WithMeter(ctx)
	made := d.generation()
	var emu sync.Mutex
	// last holds the status last reported for each instance (batch:id).
	last := map[string]string{}
	defer func() {
		emu.Lock()
		defer emu.Unlock()
		for _, st := range last {
			sum.Instances++
			switch st {
			case StatusSolved:
				sum.Solved++
			case StatusPending:
				sum.Pending++
			default:
				sum.Errors++
			}
		}
		t := meter.Totals()
		sum.ToolsMade = int(d.generation() - made)
		if u, uerr := d.Unmade(context.WithoutCancel(ctx)); uerr == nil {
			sum.Unmade = u
		} else if err == nil {
			err = uerr
		}
		sum.Calls, sum.Hits, sum.Tokens, sum.Cost = t.Calls, t.CacheHits, t.TokensIn+t.TokensOut, t.Cost
	}()
	send := func(rs ...Result) error {
		emu.Lock()
		defer emu.Unlock()
		for _, r := range rs {
			if r.Batch != "" && r.Batch != o.Batch {
				continue // another stream's instance: its own stream reports it
			}
			key := pendingKey(o.Batch, r.ID)
			if st, ok := last[key]; ok && st != StatusPending {
				continue // reported solved or failed already in this run
			}
			last[key] = r.Status
			r.Batch = ""
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}

	rs, err := d.MakeReady(ctx, -1)
	if err == nil {
		err = send(rs...)
	}
	if err != nil {
		return sum, err
	}
	if rs, err = d.Revisit(ctx); err == nil {
		err = send(rs...)
	}
	if err != nil {
		return sum, err
	}
	done, err := d.Store.Runs(ctx, o.Batch)
	if err != nil {
		return sum, err
	}
	open, err := d.Store.PendingInstances(ctx, -1)
	if err != nil {
		return sum, err
	}
	pending := map[string]*tool.Pending{}
	for _, p := range open {
		pending[p.InstanceID] = p
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Workers, 1))
	var readErr error
	for gctx.Err() == nil {
		it, err := next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		it.Batch = o.Batch
		run := done[it.ID]
		p := pending[pendingKey(o.Batch, it.ID)]
		if run != nil && run.Question == it.Question && (run.ToolName != "" || p == nil) {
			if err := send(resultOfRun(run)); err != nil {
				readErr = err
				break
			}
			continue
		}
		resume, answered := false, false
		if p != nil && p.Question == it.Question {
			if p.Group > 0 && (d.Unknown != UnknownSolver || run != nil) {
				// Complete in the pool: it waits for its group's tool.
				r := Result{ID: it.ID, Status: StatusPending, Group: p.Group}
				if run != nil {
					r.Answer = run.Answer
				}
				if err := send(r); err != nil {
					readErr = err
					break
				}
				continue
			}
			// Stopped halfway through pooling: finish it.
			resume, answered = true, run != nil
		}
		g.Go(func() error {
			var rs []Result
			var err error
			if resume {
				rs, err = d.Resume(gctx, it.Instance, answered)
			} else {
				rs, err = d.Handle(gctx, it.Instance)
			}
			if err != nil {
				return &user.ItemError{Line: it.Line, ID: it.ID, Err: err}
			}
			return send(rs...)
		})
	}
	werr := g.Wait()
	switch {
	case readErr != nil:
		return sum, readErr
	case werr != nil:
		return sum, werr
	case ctx.Err() != nil:
		return sum, ctx.Err()
	}
	return sum, d.reportSolvedElsewhere(ctx, o.Batch, &emu, last, send)
}

// reportSolvedElsewhere reports, from the store's runs, the instances of
// batch last reported pending that a tool has solved since (one made by
// another process, say).
func (d *Dispatcher) reportSolvedElsewhere(ctx context.Context, batch string, emu *sync.Mutex, last map[string]string, send func(...Result) error) error {
	runs, err := d.Store.Runs(ctx, batch)
	if err != nil {
		return err
	}
	var rs []Result
	emu.Lock()
	for id, run := range runs {
		if last[pendingKey(batch, id)] == StatusPending && run.ToolName != "" {
			rs = append(rs, resultOfRun(run))
		}
	}
	emu.Unlock()
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	return send(rs...)
}

// resultOfRun is the stream result of an instance already done.
func resultOfRun(r *tool.Run) Result {
	res := Result{ID: r.InputID, Status: StatusSolved, Answer: r.Answer}
	if r.ToolName == "" {
		res.Status = StatusPending // answered by the solver; its group was solved elsewhere
	} else {
		res.Tool = tool.Ref(r.ToolName, r.ToolVersion)
	}
	if !r.OK {
		res.Status, res.Error = StatusError, r.Error
	}
	return res
}

// String is the summary in one line, as a terminal shows it.
func (s StreamSummary) String() string {
	return fmt.Sprintf("%d instances: %d solved, %d pending, %d errors; %d tools made; %d model calls, $%.4f",
		s.Instances, s.Solved, s.Pending, s.Errors, s.ToolsMade, s.Calls, s.Cost)
}

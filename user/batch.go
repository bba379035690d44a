package user

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/latm/latm/llm"
	"github.com/latm/latm/tool"
)

// RunStore is a Recorder that also reads a batch's runs back, by input
// id, as SolveBatch needs to resume. *library.Store implements it.
type RunStore interface {
	Recorder
	Runs(ctx context.Context, batch string) (map[string]*tool.Run, error)
}

// BatchItem is one instance of a batch, in input order. Line is where it
// came from (for messages); Bad, when set, says why the input line could
// not be read: the item is reported failed and never solved.
type BatchItem struct {
	Line     int
	ID       string
	Question string
	Bad      string
}

// BatchResult is what became of one item.
type BatchResult struct {
	ID     string `json:"id"`
	Answer string `json:"answer"`
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	Tool   string `json:"tool"`
	// Resumed: the answer is the batch's earlier run, not solved again.
	Resumed bool `json:"-"`
}

// BatchSummary counts what a batch did.
type BatchSummary struct {
	Items   int     `json:"items"`
	OK      int     `json:"ok"`
	Failed  int     `json:"failed"`     // bad lines included
	Bad     int     `json:"bad"`        // lines that could not be read
	Resumed int     `json:"resumed"`    // answers taken from an earlier run of the batch
	Calls   int     `json:"calls"`      // model calls this run made
	Hits    int     `json:"cache_hits"` // of them, served from the response cache
	Tokens  int     `json:"tokens"`     // their tokens, in and out
	Cost    float64 `json:"cost"`       // their cost, from the configured prices
}

// BatchOptions steer SolveBatch.
type BatchOptions struct {
	Batch   string // id the runs are recorded and resumed under; required
	Workers int    // items solved at once; below 1 means 1
	// Progress, if set, is called after each item solved in this run,
	// with the count so far and the count to solve.
	Progress func(done, total int)
}

// ItemError is a failure of the machinery (endpoint, store, sandbox,
// cancellation) while solving one item; it stops the batch.
type ItemError struct {
	Line int
	ID   string
	Err  error
}

func (e *ItemError) Error() string { return fmt.Sprintf("line %d (id %q): %v", e.Line, e.ID, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }

// SolveBatch solves items with tool tl under o.Batch and hands their results
// to emit in input order, as soon as each and all before it are known.
//
// It resumes: an item the batch has an OK run for, with the same question,
// is not solved again. It solves o.Workers items at once. Its error policy
// is the one every batch runner in latm keeps: an item that fails (a bad
// line, a tool run that erred) is a failed result and the batch goes on; a
// failure of the machinery (an *ItemError: the endpoint, the store, the
// sandbox) or of emit, or a cancelled ctx, stops the batch, and what was
// emitted stays valid: a rerun resumes after it. The summary counts what
// was emitted.
func (s *Solver) SolveBatch(ctx context.Context, tl *tool.Tool, items []BatchItem, o BatchOptions, emit func(BatchResult) error) (sum BatchSummary, err error) {
	if tl == nil {
		return sum, errors.New("solve batch: no tool given")
	}
	if o.Batch == "" {
		return sum, errors.New("solve batch: no batch id given")
	}
	runs, ok := s.Store.(RunStore)
	if !ok {
		return sum, errors.New("solve batch: a batch needs a store that reads its runs back, to resume from")
	}
	done, err := runs.Runs(ctx, o.Batch)
	if err != nil {
		return sum, fmt.Errorf("solve batch %s: %w", o.Batch, err)
	}
	ctx, meter := llm.WithMeter(ctx)
	defer func() {
		t := meter.Totals()
		sum.Calls, sum.Cost, sum.Tokens, sum.Hits = t.Calls, t.Cost, t.TokensIn+t.TokensOut, t.CacheHits
	}()

	results := make([]BatchResult, len(items))
	ready := make([]chan struct{}, len(items))
	var todo []int
	for i, it := range items {
		ready[i] = make(chan struct{})
		switch r := done[it.ID]; {
		case it.Bad != "":
			results[i] = BatchResult{ID: it.ID, Error: fmt.Sprintf("line %d: %s", it.Line, it.Bad), Tool: tl.Ref()}
			close(ready[i])
		case r != nil && r.OK && r.Question == it.Question:
			results[i] = BatchResult{ID: it.ID, Answer: r.Answer, OK: true, Tool: tool.Ref(r.ToolName, r.ToolVersion), Resumed: true}
			close(ready[i])
		default:
			todo = append(todo, i)
		}
	}

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Workers, 1))
	solved := 0
	progress := make(chan struct{}, len(todo))
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for _, i := range todo {
			if gctx.Err() != nil {
				return
			}
			g.Go(func() error {
				it := items[i]
				run, err := s.Solve(gctx, tl, Instance{ID: it.ID, Batch: o.Batch, Question: it.Question})
				if err != nil {
					return &ItemError{Line: it.Line, ID: it.ID, Err: err}
				}
				results[i] = BatchResult{ID: it.ID, Answer: run.Answer, OK: run.OK, Error: run.Error, Tool: tl.Ref()}
				close(ready[i])
				progress <- struct{}{}
				return nil
			})
		}
	}()
	// stopped waits for the items in flight and says why the batch stopped.
	stopped := func(cause error) error {
		cancel()
		<-fed
		werr := g.Wait()
		switch {
		case cause != nil:
			return cause
		case parent.Err() != nil:
			return parent.Err()
		}
		return werr
	}

	for i := range items {
	wait:
		for {
			select {
			case <-ready[i]:
				break wait
			case <-progress:
				solved++
				if o.Progress != nil {
					o.Progress(solved, len(todo))
				}
			case <-gctx.Done():
				select {
				case <-ready[i]:
					break wait
				default:
				}
				return sum, stopped(nil)
			}
		}
		if err := emit(results[i]); err != nil {
			return sum, stopped(err)
		}
		sum.Items++
		r := results[i]
		if r.OK {
			sum.OK++
		} else {
			sum.Failed++
		}
		if items[i].Bad != "" {
			sum.Bad++
		}
		if r.Resumed {
			sum.Resumed++
		}
	}
	<-fed
	if err := g.Wait(); err != nil {
		return sum, err
	}
	for len(progress) > 0 {
		<-progress
		solved++
		if o.Progress != nil {
			o.Progress(solved, len(todo))
		}
	}
	return sum, nil
}

package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/user"
)

func newStreamCmd(app *App) *cobra.Command {
	var o streamOptions
	cmd := &cobra.Command{
		Use:   "stream [--input FILE|-] [--output FILE]",
		Short: "Route a stream of mixed instances to tools, pooling unknown tasks until a tool is made for them",
		Long: `stream reads JSONL instances ({"id": …, "question": …, "answer": …}, the
answer optional) from --input (default: standard input) and writes one JSONL
result per instance as soon as it is known: id, status (solved, pending or
error), answer, tool, routing stage, model calls and cost. An instance
reported pending may be reported again when it is solved; the last line of
an id is its result. --output FILE is written afresh on each run and ends
with one line per id (the last).

Each instance is routed to a tool (stage 1 without a model, else the
dispatcher model) or, for an unknown task, put in the pending pool, answered
meanwhile by the solver model (dispatch.unknown = solver) or left for a person
(none; label with latm label). When a pending group has dispatch.min_examples
labelled instances the maker makes its tool and the group's instances are
solved with it. Rerunning with the same input and --batch skips what is done.
A one-line summary (by status, tools made, model calls, cost) ends the run on
standard error, after a line for each group whose tool could not be made and
why (another process holds its making lease, or making failed). Exit status
4 means some instances failed or some lines could not be read (each is
reported as FILE:LINE).

With --nats URL the instances are routed and solved by latm worker processes
on any machines, sharing one pending pool (docs/scale.md); the results, the
runs and the ledger still come into this file and --output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("workers") {
				o.workers = app.Cfg.Workers
			}
			if strings.Contains(o.batch, ":") {
				return usageError("stream: --batch %q must not contain ':'", o.batch)
			}
			o.workers = max(o.workers, 1)
			return runStream(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.input, "input", "-", "JSONL file of instances, or - for standard input")
	f.StringVar(&o.output, "output", "", "JSONL file for the results (default: standard output)")
	f.StringVar(&o.batch, "batch", "", "id under which decisions and runs are recorded and resumed (default: from the input file)")
	f.IntVar(&o.workers, "workers", 0, "instances handled in parallel (default: the workers setting)")
	f.BoolVar(&o.asJSON, "json", false, "write the summary line on standard error as JSON")
	f.Int("shadow", 0, "answers of each no-model path of a tool version also asked of the user model before the path answers alone; 0 trusts the guards alone (default: the solve.shadow setting)")
	app.bind(cmd, "shadow", "solve.shadow")
	app.bind(cmd, "workers", "workers")
	o.nats.register(cmd, "publish the stream on this NATS JetStream (URLs, comma-separated) for latm worker processes to route and solve, and collect their results")
	return cmd
}

// streamOptions are the flags of latm stream.
type streamOptions struct {
	input, output, batch string
	workers              int
	asJSON               bool
	nats                 natsFlags // url set: routed and solved by latm workers
}

// parseStreamLine parses one input line: a solve line with an optional
// string "answer".
func parseStreamLine(n int, line []byte, seen map[string]int) (dispatch.StreamItem, string) {
	it := parseSolveLine(n, line, seen)
	si := dispatch.StreamItem{Line: n, Instance: dispatch.Instance{ID: it.ID, Question: it.Question}}
	if it.Bad != "" {
		return si, it.Bad
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(line, &raw) // parsed fine above
	if a, ok := raw["answer"]; ok && string(a) != "null" {
		var s string
		var num json.Number
		switch {
		case json.Unmarshal(a, &s) == nil:
			si.Answer = strings.TrimSpace(s)
		case json.Unmarshal(a, &num) == nil:
			si.Answer = num.String()
		default:
			return si, fmt.Sprintf(`"answer" must be a string or a number, not %s (fix: write "answer": "…" or leave it out)`, a)
		}
	}
	return si, ""
}

func runStream(ctx context.Context, app *App, o streamOptions) error {
	in, name, closeIn, err := openInput("stream", o.input, app.In)
	if err != nil {
		return err
	}
	defer closeIn()
	batch := o.batch
	if batch == "" {
		id := "-"
		if name != "stdin" {
			abs, err := filepath.Abs(o.input)
			if err != nil {
				return fmt.Errorf("stream: batch id for %s: %w", o.input, err)
			}
			id = abs
		}
		h := sha256.Sum256([]byte(id))
		batch = "stream-" + hex.EncodeToString(h[:8])
	}
	e, err := app.Engine()
	if err != nil {
		return err
	}

	// The output file is written afresh, as solve's is: a resumed stream
	// reports every instance of its input again, from the store.
	out := app.Out
	var of *os.File
	if o.output != "" {
		if of, err = os.Create(o.output); err != nil {
			return fmt.Errorf("stream: output: %w", err)
		}
		defer of.Close()
		out = of
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	results := newLastLines()

	// The input is read as the stream goes, line by line, on a goroutine
	// of its own: a stream on standard input may never end.
	type line struct {
		it  dispatch.StreamItem
		err error
	}
	lines := make(chan line)
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	var badLines atomic.Int64
	go func() {
		defer close(lines)
		seen := map[string]int{}
		err := eachLine(in, maxInputLine, func(n int, text []byte, tooLong bool) error {
			var it dispatch.StreamItem
			why := tooLongFix
			if !tooLong {
				it, why = parseStreamLine(n, text, seen)
			}
			if why != "" {
				fmt.Fprintf(app.Err, "%s:%d: %s\n", name, n, why)
				badLines.Add(1)
				return nil
			}
			select {
			case lines <- line{it: it}:
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		})
		if err != nil && rctx.Err() == nil {
			select {
			case lines <- line{err: fmt.Errorf("read %s: %w", name, err)}:
			case <-rctx.Done():
			}
		}
	}()
	next := func() (dispatch.StreamItem, error) {
		l, ok := <-lines
		if !ok {
			return dispatch.StreamItem{}, io.EOF
		}
		return l.it, l.err
	}
	stream := e.Stream
	if o.nats.url != "" {
		stream = func(ctx context.Context, so dispatch.StreamOptions, next func() (dispatch.StreamItem, error), emit func(dispatch.Result) error) (dispatch.StreamSummary, error) {
			return natsStream(ctx, app, &o.nats, so, next, emit)
		}
	}
	sum, err := stream(ctx, dispatch.StreamOptions{Batch: batch, Workers: o.workers}, next, func(r dispatch.Result) error {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("stream: write results: %w", err)
		}
		if of != nil {
			results.add(r)
		}
		return nil
	})
	if of != nil {
		// An instance reported pending and then solved has two lines;
		// the file keeps its last, one line per id.
		if cerr := results.rewrite(of, o.output); cerr != nil && err == nil {
			err = cerr
		}
	}
	// After io.EOF the reader is done; after an error it may be blocked
	// reading a stdin that has not ended, and is left behind.
	stopReading()
	bad := int(badLines.Load())
	bs := batchSummary{Batch: batch, Instances: sum.Instances,
		Status:   map[string]int{dispatch.StatusSolved: sum.Solved, dispatch.StatusPending: sum.Pending, dispatch.StatusError: sum.Errors},
		BadLines: bad, ToolsMade: sum.ToolsMade, Calls: sum.Calls, CacheHits: sum.Hits, Tokens: sum.Tokens, Cost: sum.Cost,
		order: []string{dispatch.StatusSolved, dispatch.StatusPending, dispatch.StatusError}}
	for _, u := range sum.Unmade {
		fmt.Fprintf(app.Err, "stream: %s\n", u)
	}
	if by, perr := e.BatchPathStats(context.WithoutCancel(ctx), batch); perr == nil {
		bs.ByTool = by
	}
	if serr := writeSummary(app.Err, o.asJSON, "stream", bs); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		var ie *user.ItemError
		if errors.As(err, &ie) {
			err = fmt.Errorf("%s:%d: %w", name, ie.Line, ie.Err)
		}
		return fmt.Errorf("%w (rerun the same command to resume)", err)
	}
	if sum.Errors > 0 || bad > 0 {
		return &ExitError{Code: ExitPartial, Err: fmt.Errorf("%d instances of %s failed and %d lines could not be read (batch %s)", sum.Errors, name, bad, batch)}
	}
	return nil
}

// lastLines keeps each instance's last result, in the order instances were
// first reported.
type lastLines struct {
	order []string
	last  map[string]dispatch.Result
}

func newLastLines() *lastLines { return &lastLines{last: map[string]dispatch.Result{}} }

func (l *lastLines) add(r dispatch.Result) {
	if _, ok := l.last[r.ID]; !ok {
		l.order = append(l.order, r.ID)
	}
	l.last[r.ID] = r
}

// rewrite writes the last results to f (the output file, at path) in place
// of what it holds: to a temporary file beside it, renamed over it, so that
// a stop meanwhile leaves one or the other whole.
func (l *lastLines) rewrite(f *os.File, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("stream: output: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing there
	bw := bufio.NewWriter(tmp)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, id := range l.order {
		if err := enc.Encode(l.last[id]); err != nil {
			tmp.Close()
			return fmt.Errorf("stream: output: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("stream: output %s: %w", tmp.Name(), err)
	}
	if fi, err := f.Stat(); err == nil {
		_ = tmp.Chmod(fi.Mode().Perm())
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("stream: output %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("stream: output: %w", err)
	}
	return nil
}

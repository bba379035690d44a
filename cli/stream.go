package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/library"
	"github.com/latm/latm/maker"
)

func newStreamCmd(app *App) *cobra.Command {
	var input, output, batch string
	var workers int
	cmd := &cobra.Command{
		Use:   "stream [--input FILE|-] [--output FILE]",
		Short: "Route a stream of mixed instances to tools, pooling unknown tasks until a tool is made for them",
		Long: `stream reads JSONL instances ({"id": …, "question": …, "answer": …}, the
answer optional) from --input (default: standard input) and writes one JSONL
result per instance as soon as it is known: id, status (solved, pending or
error), answer, tool, routing stage, model calls and cost.

Each instance is routed to a tool (stage 1 without a model, else the
dispatcher model) or, for an unknown task, put in the pending pool, answered
meanwhile by the solver model (dispatch.unknown = solver) or left for a person
(none; label with latm label). When a pending group has dispatch.min_examples
labelled instances the maker makes its tool and the group's instances are
solved with it. Rerunning with the same input and --batch skips what is done.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("workers") {
				workers = app.Cfg.Workers
			}
			if strings.Contains(batch, ":") {
				return usageError("stream: --batch %q must not contain ':'", batch)
			}
			return runStream(cmd.Context(), app, input, output, batch, max(workers, 1))
		},
	}
	f := cmd.Flags()
	f.StringVar(&input, "input", "-", "JSONL file of instances, or - for standard input")
	f.StringVar(&output, "output", "", "JSONL file for the results (default: standard output)")
	f.StringVar(&batch, "batch", "", "id under which decisions and runs are recorded and resumed (default: from the input file)")
	f.IntVar(&workers, "workers", 0, "instances handled in parallel (default: the workers setting)")
	return cmd
}

// streamItem is one line of a stream input.
type streamItem struct {
	solveItem
	answer string
	// resume: the instance is in the pending pool but half done (not
	// grouped, or not answered by the solver); answered: the solver's
	// answer is recorded.
	resume, answered bool
}

// parseStreamLine parses one input line: a solve line with an optional
// string "answer".
func parseStreamLine(n int, line []byte, seen map[string]int) streamItem {
	it := streamItem{solveItem: parseSolveLine(n, line, seen)}
	if it.err != "" {
		return it
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(line, &raw) // parsed fine above
	if a, ok := raw["answer"]; ok && string(a) != "null" {
		var s string
		var num json.Number
		switch {
		case json.Unmarshal(a, &s) == nil:
			it.answer = strings.TrimSpace(s)
		case json.Unmarshal(a, &num) == nil:
			it.answer = num.String()
		default:
			it.err = fmt.Sprintf(`"answer" must be a string or a number, not %s (fix: write "answer": "…" or leave it out)`, a)
		}
	}
	return it
}

// dispatcherFor wires a Dispatcher from the App.
func dispatcherFor(app *App) (*dispatch.Dispatcher, error) {
	s, err := solverFor(app)
	if err != nil {
		return nil, err
	}
	cfg := app.Cfg.Dispatch
	if cfg.Unknown != dispatch.UnknownSolver && cfg.Unknown != dispatch.UnknownNone {
		return nil, usageError("dispatch.unknown is %q; set it to %q or %q", cfg.Unknown, dispatch.UnknownSolver, dispatch.UnknownNone)
	}
	store, err := app.Store()
	if err != nil {
		return nil, err
	}
	return &dispatch.Dispatcher{
		Store:   store,
		Router:  &dispatch.Router{Store: store, LLM: s.LLM, Prompts: s.Prompts, Thresholds: dispatch.DefaultThresholds},
		Solver:  s,
		LLM:     s.LLM,
		Prompts: s.Prompts,
		Maker: &maker.Maker{
			LLM: s.LLM, Runtime: s.Runtime, Prompts: s.Prompts,
			Train: app.Cfg.Make.Train, Valid: app.Cfg.Make.Valid,
			ProposeTries: app.Cfg.Make.ProposeTries, VerifyTries: app.Cfg.Make.VerifyTries,
			Model: app.Cfg.Maker.Model,
		},
		Unknown:     cfg.Unknown,
		ModelLabels: cfg.ModelLabels,
		MinExamples: max(cfg.MinExamples, app.Cfg.Make.Train+app.Cfg.Make.Valid),
	}, nil
}

func runStream(ctx context.Context, app *App, input, output, batch string, workers int) error {
	var in io.Reader = app.In
	name := "stdin"
	if input != "-" && input != "" {
		f, err := os.Open(input)
		if err != nil {
			return usageError("stream: %v", err)
		}
		defer f.Close()
		in, name = f, input
	}
	if batch == "" {
		id := "-"
		if name != "stdin" {
			abs, err := filepath.Abs(input)
			if err != nil {
				return fmt.Errorf("stream: batch id for %s: %w", input, err)
			}
			id = abs
		}
		h := sha256.Sum256([]byte(id))
		batch = "stream-" + hex.EncodeToString(h[:8])
	}
	d, err := dispatcherFor(app)
	if err != nil {
		return err
	}

	out := app.Out
	if output != "" {
		of, err := os.OpenFile(output, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("stream: output: %w", err)
		}
		defer of.Close()
		out = of
	}
	var wmu sync.Mutex
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	// final holds the instances (batch:id) reported solved or failed in
	// this run: the records read at the start may say pending for an
	// instance a group's new tool has solved since, and a reader takes an
	// instance's last line as its result.
	final := map[string]bool{}
	emit := func(rs ...dispatch.Result) error {
		wmu.Lock()
		defer wmu.Unlock()
		for _, r := range rs {
			if r.Batch == "" {
				r.Batch = batch
			}
			key := r.Batch + ":" + r.ID
			if final[key] {
				continue // reported solved or failed already in this run
			}
			if r.Status != dispatch.StatusPending {
				final[key] = true
			}
			if r.Batch == batch {
				r.Batch = ""
			}
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("stream: write results: %w", err)
			}
		}
		return nil
	}

	// Groups labelled since the last run (latm label) may be ready now,
	// and pending instances may have a tool now: one made from their group
	// by a run that stopped before solving them all, or one imported.
	made, err := d.MakeReady(ctx, -1)
	if err != nil {
		return err
	}
	if err := emit(made...); err != nil {
		return err
	}
	revisited, err := d.Revisit(ctx)
	if err != nil {
		return fmt.Errorf("%w (rerun the same command to resume)", err)
	}
	if err := emit(revisited...); err != nil {
		return err
	}

	store, err := app.Store()
	if err != nil {
		return err
	}
	done, err := store.Runs(ctx, batch)
	if err != nil {
		return err
	}
	open, err := d.Store.PendingInstances(ctx, -1)
	if err != nil {
		return err
	}
	pending := map[string]*library.Pending{}
	for _, p := range open {
		pending[p.InstanceID] = p
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		emu      sync.Mutex
		firstErr error
		failed   int
	)
	fail := func(err error) {
		emu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		emu.Unlock()
		cancel()
	}
	jobs := make(chan streamItem)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				in := dispatch.Instance{Batch: batch, ID: it.id, Question: it.question, Answer: it.answer}
				var rs []dispatch.Result
				var err error
				if it.resume {
					rs, err = d.Resume(ctx, in, it.answered)
				} else {
					rs, err = d.Handle(ctx, in)
				}
				if err != nil {
					fail(fmt.Errorf("%s:%d: %w", name, it.line, err))
					continue
				}
				for _, r := range rs {
					if r.Status == dispatch.StatusError {
						emu.Lock()
						failed++
						emu.Unlock()
					}
				}
				if err := emit(rs...); err != nil {
					fail(err)
				}
			}
		}()
	}

	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxSolveLine)
	seen := map[string]int{}
	n := 0
read:
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		it := parseStreamLine(n, line, seen)
		if it.err != "" {
			fmt.Fprintf(app.Err, "%s:%d: %s\n", name, n, it.err)
			continue
		}
		if r, ok := done[it.id]; ok && r.Question == it.question {
			if r.ToolName != "" || pending[batch+":"+it.id] == nil {
				if err := emit(resultOfRun(r)); err != nil {
					fail(err)
					break
				}
				continue
			}
		}
		if p := pending[batch+":"+it.id]; p != nil && p.Question == it.question {
			run := done[it.id]
			if p.Group <= 0 || d.Unknown == dispatch.UnknownSolver && run == nil {
				// Stopped halfway through pooling: finish it.
				it.resume, it.answered = true, run != nil
			} else {
				r := dispatch.Result{ID: it.id, Status: dispatch.StatusPending, Group: p.Group}
				if run != nil {
					r.Answer = run.Answer
				}
				if err := emit(r); err != nil {
					fail(err)
					break
				}
				continue
			}
		}
		select {
		case jobs <- it:
		case <-ctx.Done():
			break read
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("%w (rerun the same command to resume)", firstErr)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w (each line must be at most %d bytes)", name, err, maxSolveLine)
	}
	if failed > 0 {
		return &ExitError{Code: ExitPartial, Err: fmt.Errorf("%d instances of %s failed (batch %s)", failed, name, batch)}
	}
	return nil
}

// resultOfRun is the stream result of an instance already done.
func resultOfRun(r *library.Run) dispatch.Result {
	res := dispatch.Result{ID: r.InputID, Status: dispatch.StatusSolved, Answer: r.Answer}
	if r.ToolName == "" {
		res.Status = dispatch.StatusPending // answered by the solver; its group was solved elsewhere
	} else {
		res.Tool = library.ToolRef(r.ToolName, r.ToolVersion)
	}
	if !r.OK {
		res.Status, res.Error = dispatch.StatusError, r.Error
	}
	return res
}

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
	"strconv"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/latm/latm/library"
	"github.com/latm/latm/prompts"
	"github.com/latm/latm/user"
)

// maxSolveLine bounds one line of a solve input file (bytes).
const maxSolveLine = 16 << 20

func newSolveCmd(app *App) *cobra.Command {
	var toolRef, input, output, batch string
	var asJSON bool
	var workers int
	cmd := &cobra.Command{
		Use:   "solve --tool NAME[@N] (QUESTION | --input FILE.jsonl)",
		Short: "Answer questions with a tool: the user model writes a call, the sandbox runs it",
		Long: `solve answers one question (printed answer; --json prints the run record) or
every line of a JSONL file ({"id": …, "question": …}; id defaults to the line
number). Batch results are written as JSONL in input order: {id, answer, ok,
error, tool}. Runs are recorded under a batch id (--batch, by default derived
from the input file and tool), so rerunning an interrupted batch only solves
what is not solved yet. Exit status 4 means some inputs failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if toolRef == "" {
				return usageError("solve: --tool NAME[@N] is required (see latm tools list)")
			}
			if (len(args) == 1) == (input != "") {
				return usageError("solve: give either a question argument or --input FILE.jsonl, not both or neither")
			}
			if input == "" && (output != "" || batch != "") {
				return usageError("solve: --output and --batch apply only with --input")
			}
			ctx := cmd.Context()
			tool, err := toolFromRef(ctx, app, toolRef)
			if err != nil {
				return err
			}
			s, err := solverFor(app)
			if err != nil {
				return err
			}
			if input == "" {
				return solveOne(ctx, app, s, tool, args[0], asJSON)
			}
			if !cmd.Flags().Changed("workers") {
				workers = app.Cfg.Workers
			}
			return solveBatch(ctx, app, s, tool, batchOptions{input: input, output: output, batch: batch, workers: workers})
		},
	}
	f := cmd.Flags()
	f.StringVar(&toolRef, "tool", "", "the tool to use, NAME (newest version) or NAME@N")
	f.StringVar(&input, "input", "", "JSONL file of questions, one {\"id\": …, \"question\": …} per line")
	f.StringVar(&output, "output", "", "JSONL file for the results (default: standard output)")
	f.StringVar(&batch, "batch", "", "batch id under which runs are recorded and resumed (default: from the input file and tool)")
	f.IntVar(&workers, "workers", 0, "instances solved in parallel (default: the workers setting)")
	f.BoolVar(&asJSON, "json", false, "print the run record as JSON (single question only)")
	return cmd
}

// solverFor wires a Solver from the App's resources and configuration.
func solverFor(app *App) (*user.Solver, error) {
	store, err := app.Store()
	if err != nil {
		return nil, err
	}
	client, err := app.LLM()
	if err != nil {
		return nil, err
	}
	ps, err := prompts.Load(app.Cfg.PromptsDir)
	if err != nil {
		return nil, err
	}
	return &user.Solver{LLM: client, Runtime: app.Runtime(), Prompts: ps, Store: store, Retries: app.Cfg.Solve.Retries, Template: app.Cfg.Solve.Template}, nil
}

// runRecord is the JSON form of a run (latm solve --json).
type runRecord struct {
	ID        int64   `json:"id"`
	Batch     string  `json:"batch"`
	InputID   string  `json:"input_id"`
	Question  string  `json:"question"`
	Tool      string  `json:"tool"`
	Code      string  `json:"code"`
	RawResult string  `json:"raw_result"`
	Answer    string  `json:"answer"`
	OK        bool    `json:"ok"`
	Error     string  `json:"error,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
}

func newRunRecord(r *library.Run) runRecord {
	tool := "" // the solver's answer to an instance of an unknown task
	if r.ToolName != "" {
		tool = library.ToolRef(r.ToolName, r.ToolVersion)
	}
	return runRecord{
		ID: r.ID, Batch: r.Batch, InputID: r.InputID, Question: r.Question,
		Tool: tool, Code: r.Code, RawResult: r.RawResult,
		Answer: r.Answer, OK: r.OK, Error: r.Error, LatencyMS: float64(r.Latency.Microseconds()) / 1000,
	}
}

func solveOne(ctx context.Context, app *App, s *user.Solver, tool *library.Tool, question string, asJSON bool) error {
	if strings.TrimSpace(question) == "" {
		return usageError("solve: the question is empty")
	}
	run, err := s.Solve(ctx, tool, user.Instance{Question: question})
	if err != nil {
		return err
	}
	if asJSON {
		b, err := json.MarshalIndent(newRunRecord(run), "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(app.Out, string(b))
	} else if run.OK {
		fmt.Fprintln(app.Out, run.Answer)
	}
	if !run.OK {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("solve with %s failed: %s", tool.Ref(), run.Error)}
	}
	return nil
}

// batchOptions are the flags of a batch solve.
type batchOptions struct {
	input, output, batch string
	workers              int
}

// solveItem is one line of a batch input.
type solveItem struct {
	line     int
	id       string
	question string
	err      string // a bad line: why, with the fix
}

// solveResult is one line of a batch output.
type solveResult struct {
	ID     string `json:"id"`
	Answer string `json:"answer"`
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	Tool   string `json:"tool"`
}

// readSolveInput parses a JSONL file of questions. Bad lines become items
// with err set; blank lines are skipped.
func readSolveInput(name string, r io.Reader) ([]solveItem, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxSolveLine)
	var items []solveItem
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		items = append(items, parseSolveLine(n, line, seen))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w (each line must be at most %d bytes)", name, err, maxSolveLine)
	}
	return items, nil
}

const solveLineFix = `fix: write one JSON object per line, like {"id": "q1", "question": "…"}`

func parseSolveLine(n int, line []byte, seen map[string]int) solveItem {
	it := solveItem{line: n, id: strconv.Itoa(n)}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		it.err = fmt.Sprintf("invalid JSON: %v (%s)", err, solveLineFix)
		return it
	}
	if idRaw, ok := raw["id"]; ok && string(idRaw) != "null" {
		var s string
		var num json.Number
		switch {
		case json.Unmarshal(idRaw, &s) == nil:
			it.id = s
		case json.Unmarshal(idRaw, &num) == nil:
			it.id = num.String()
		default:
			it.err = fmt.Sprintf("id must be a string or a number, not %s (%s)", idRaw, solveLineFix)
			return it
		}
	}
	q, ok := raw["question"]
	if !ok || json.Unmarshal(q, &it.question) != nil || strings.TrimSpace(it.question) == "" {
		it.err = fmt.Sprintf("no question: the object needs a non-empty string field \"question\" (%s)", solveLineFix)
		return it
	}
	if first, dup := seen[it.id]; dup {
		it.err = fmt.Sprintf("duplicate id %q, first used on line %d (fix: give every line its own id)", it.id, first)
		return it
	}
	seen[it.id] = n
	return it
}

// defaultBatchID names a batch by the input file's absolute path and the
// tool ref, so that rerunning the same command resumes it.
func defaultBatchID(input, ref string) (string, error) {
	abs, err := filepath.Abs(input)
	if err != nil {
		return "", fmt.Errorf("batch id for %s: %w", input, err)
	}
	h := sha256.Sum256([]byte(abs + "\x00" + ref))
	return "solve-" + hex.EncodeToString(h[:8]), nil
}

func solveBatch(ctx context.Context, app *App, s *user.Solver, tool *library.Tool, o batchOptions) error {
	f, err := os.Open(o.input)
	if err != nil {
		return usageError("solve: %v", err)
	}
	items, err := readSolveInput(o.input, f)
	f.Close()
	if err != nil {
		return err
	}
	if o.batch == "" {
		if o.batch, err = defaultBatchID(o.input, tool.Ref()); err != nil {
			return err
		}
	}
	if o.workers < 1 {
		o.workers = 1
	}
	store, err := app.Store()
	if err != nil {
		return err
	}
	done, err := store.Runs(ctx, o.batch)
	if err != nil {
		return err
	}

	out := app.Out
	if o.output != "" {
		of, err := os.Create(o.output)
		if err != nil {
			return fmt.Errorf("solve: output: %w", err)
		}
		defer of.Close()
		out = of
	}
	bw := bufio.NewWriter(out)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)

	results := make([]*solveResult, len(items))
	ready := make([]chan struct{}, len(items))
	var todo []int
	for i, it := range items {
		ready[i] = make(chan struct{})
		switch r := done[it.id]; {
		case it.err != "":
			fmt.Fprintf(app.Err, "%s:%d: %s\n", o.input, it.line, it.err)
			results[i] = &solveResult{ID: it.id, Error: fmt.Sprintf("line %d: %s", it.line, it.err), Tool: tool.Ref()}
			close(ready[i])
		case r != nil && r.OK && r.Question == it.question:
			results[i] = &solveResult{ID: it.id, Answer: r.Answer, OK: true, Tool: library.ToolRef(r.ToolName, r.ToolVersion)}
			close(ready[i])
		default:
			todo = append(todo, i)
		}
	}

	bar := solveProgress(app.Err, len(todo))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for w := 0; w < min(o.workers, max(len(todo), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := items[i]
				run, err := s.Solve(ctx, tool, user.Instance{ID: it.id, Batch: o.batch, Question: it.question})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("%s:%d: %w (the batch stopped; fix the cause and rerun the same command to resume)", o.input, it.line, err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				results[i] = &solveResult{ID: it.id, Answer: run.Answer, OK: run.OK, Error: run.Error, Tool: tool.Ref()}
				close(ready[i])
				if bar != nil {
					_ = bar.Add(1)
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for _, i := range todo {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()

	// Write results in input order as they become ready.
	failed := 0
	for i := range items {
		select {
		case <-ready[i]:
		case <-workersDone:
			select {
			case <-ready[i]:
			default:
				if bar != nil {
					_ = bar.Exit()
				}
				if firstErr != nil {
					return firstErr
				}
				return fmt.Errorf("solve %s: %w (rerun the same command to resume)", o.input, ctx.Err())
			}
		}
		if err := enc.Encode(results[i]); err != nil {
			return fmt.Errorf("solve: write results: %w", err)
		}
		if !results[i].OK {
			failed++
		}
	}
	<-workersDone
	if bar != nil {
		_ = bar.Finish()
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("solve: write results: %w", err)
	}
	if failed > 0 {
		return &ExitError{Code: ExitPartial, Err: fmt.Errorf("%d of %d inputs of %s failed (batch %s)", failed, len(items), o.input, o.batch)}
	}
	return nil
}

// solveProgress returns a progress bar on w when w is a terminal, else nil.
func solveProgress(w io.Writer, n int) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || n == 0 || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("solving"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

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
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/latm/latm/dispatch"
	"github.com/latm/latm/engine"
	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
	"github.com/latm/latm/user"
)

func newSolveCmd(app *App) *cobra.Command {
	var toolRef, input, output, batch string
	var asJSON bool
	var workers int
	var nf natsFlags
	cmd := &cobra.Command{
		Use:   "solve --tool NAME[@N] (QUESTION | --input FILE.jsonl | -)",
		Short: "Answer questions with a tool: the user model writes a call, the sandbox runs it",
		Long: `solve answers one question (printed answer; --json prints the run record) or
every line of a JSONL file ({"id": …, "question": …}; id defaults to the line
number). "-" (or --input -, or no question with standard input a pipe) reads
the lines from standard input, where a line that is not a JSON object is a
question of its own. Batch results are written as JSONL in input order:
{id, answer, ok, error, tool}; a one-line summary follows on standard error
(JSON with --json). Runs are recorded under a batch id (--batch, by default
derived from the input file and tool), so rerunning an interrupted batch only
solves what is not solved yet. Exit status 4 means some inputs failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if toolRef == "" {
				return usageError("solve: --tool NAME[@N] is required (see latm tools list)")
			}
			if len(args) == 1 && args[0] == "-" {
				if input != "" {
					return usageError("solve: give either - or --input FILE.jsonl, not both")
				}
				args, input = nil, "-"
			}
			if len(args) == 0 && input == "" && isPipe(app.In) {
				input = "-"
			}
			if (len(args) == 1) == (input != "") {
				return usageError("solve: give either a question argument or --input FILE.jsonl (or - for standard input), not both or neither")
			}
			if input == "" && (output != "" || batch != "" || nf.url != "") {
				return usageError("solve: --output, --batch and --nats apply only with --input")
			}
			ctx := cmd.Context()
			tool, err := toolFromRef(ctx, app, toolRef)
			if err != nil {
				return err
			}
			e, err := app.Engine()
			if err != nil {
				return err
			}
			if input == "" {
				return solveOne(ctx, app, e, tool, args[0], asJSON)
			}
			if !cmd.Flags().Changed("workers") {
				workers = app.Cfg.Workers
			}
			return solveBatch(ctx, app, e, tool, batchOptions{input: input, output: output, batch: batch, workers: workers, asJSON: asJSON, nats: &nf})
		},
	}
	f := cmd.Flags()
	f.StringVar(&toolRef, "tool", "", "the tool to use, NAME (newest version) or NAME@N")
	_ = cmd.RegisterFlagCompletionFunc("tool", app.completeTools(false))
	f.StringVar(&input, "input", "", "JSONL file of questions, one {\"id\": …, \"question\": …} per line; - for standard input")
	f.StringVar(&output, "output", "", "JSONL file for the results (default: standard output)")
	f.StringVar(&batch, "batch", "", "batch id under which runs are recorded and resumed (default: from the input file and tool)")
	f.IntVar(&workers, "workers", 0, "instances solved in parallel (default: the workers setting)")
	f.Int("shadow", 0, "answers of each no-model path of a tool version also asked of the user model before the path answers alone; 0 trusts the guards alone (default: the solve.shadow setting)")
	app.bind(cmd, "shadow", "solve.shadow")
	app.bind(cmd, "workers", "workers")
	nf.register(cmd, "publish the batch on this NATS JetStream (URLs, comma-separated) for latm worker processes and collect their results")
	f.BoolVar(&asJSON, "json", false, "print the run record as JSON (one question), or the batch summary as JSON")
	return cmd
}

// isPipe says whether r is a pipe or a file rather than a terminal: what
// a shell gives a command for "cmd < file" or "... | cmd".
func isPipe(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
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

func newRunRecord(r *tool.Run) runRecord {
	tl := "" // the solver's answer to an instance of an unknown task
	if r.ToolName != "" {
		tl = tool.Ref(r.ToolName, r.ToolVersion)
	}
	return runRecord{
		ID: r.ID, Batch: r.Batch, InputID: r.InputID, Question: r.Question,
		Tool: tl, Code: r.Code, RawResult: r.RawResult,
		Answer: r.Answer, OK: r.OK, Error: r.Error, LatencyMS: float64(r.Latency.Microseconds()) / 1000,
	}
}

func solveOne(ctx context.Context, app *App, e *engine.Engine, tool *tool.Tool, question string, asJSON bool) error {
	if strings.TrimSpace(question) == "" {
		return usageError("solve: the question is empty")
	}
	run, err := e.Solve(ctx, tool, user.Instance{Question: question})
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
	asJSON               bool
	nats                 *natsFlags // url set: solved by latm workers
}

// readSolveInput parses a JSONL input of questions into batch items; bad
// lines become items with Bad set. On standard input (plain set) a line
// that is not a JSON object is a question. Blank lines are skipped.
func readSolveInput(r io.Reader, plain bool) ([]user.BatchItem, error) {
	var items []user.BatchItem
	seen := map[string]int{}
	err := eachLine(r, maxInputLine, func(n int, line []byte, tooLong bool) error {
		switch {
		case tooLong:
			items = append(items, user.BatchItem{Line: n, ID: strconv.Itoa(n), Bad: tooLongFix})
		case plain && line[0] != '{':
			items = append(items, parseSolveLine(n, plainLine(line), seen))
		default:
			items = append(items, parseSolveLine(n, line, seen))
		}
		return nil
	})
	return items, err
}

// plainLine is a plain-text question as a JSON line.
func plainLine(q []byte) []byte {
	b, _ := json.Marshal(map[string]string{"question": string(q)})
	return b
}

const solveLineFix = `fix: write one JSON object per line, like {"id": "q1", "question": "…"}`

func parseSolveLine(n int, line []byte, seen map[string]int) user.BatchItem {
	it := user.BatchItem{Line: n, ID: strconv.Itoa(n)}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		it.Bad = fmt.Sprintf("invalid JSON: %v (%s)", err, solveLineFix)
		return it
	}
	if idRaw, ok := raw["id"]; ok && string(idRaw) != "null" {
		var s string
		var num json.Number
		switch {
		case json.Unmarshal(idRaw, &s) == nil:
			it.ID = s
		case json.Unmarshal(idRaw, &num) == nil:
			it.ID = num.String()
		default:
			it.Bad = fmt.Sprintf("id must be a string or a number, not %s (%s)", idRaw, solveLineFix)
			return it
		}
	}
	q, ok := raw["question"]
	if !ok || json.Unmarshal(q, &it.Question) != nil || strings.TrimSpace(it.Question) == "" {
		it.Question = ""
		it.Bad = fmt.Sprintf("no question: the object needs a non-empty string field \"question\" (%s)", solveLineFix)
		return it
	}
	if first, dup := seen[it.ID]; dup {
		it.Bad = fmt.Sprintf("duplicate id %q, first used on line %d (fix: give every line its own id)", it.ID, first)
		return it
	}
	seen[it.ID] = n
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

func solveBatch(ctx context.Context, app *App, e *engine.Engine, tl *tool.Tool, o batchOptions) error {
	in, name, closeIn, err := openInput("solve", o.input, app.In)
	if err != nil {
		return err
	}
	items, err := readSolveInput(in, o.input == "-")
	closeIn()
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if o.batch == "" {
		// Standard input ("-") is one batch per working directory and tl.
		if o.batch, err = defaultBatchID(o.input, tl.Ref()); err != nil {
			return err
		}
	}
	for _, it := range items {
		if it.Bad != "" {
			fmt.Fprintf(app.Err, "%s:%d: %s\n", name, it.Line, it.Bad)
		}
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

	var bar *progressbar.ProgressBar
	barTried := false
	solve := e.SolveBatch
	if o.nats != nil && o.nats.url != "" {
		solve = func(ctx context.Context, tl *tool.Tool, items []user.BatchItem, bo user.BatchOptions, emit func(user.BatchResult) error) (user.BatchSummary, error) {
			return natsSolveBatch(ctx, app, o.nats, tl, items, bo, emit)
		}
	}
	sum, err := solve(ctx, tl, items, user.BatchOptions{Batch: o.batch, Workers: o.workers,
		Progress: func(done, total int) {
			if !barTried {
				barTried, bar = true, solveProgress(app.Err, total)
			}
			if bar != nil {
				_ = bar.Set(done)
			}
		}},
		func(r user.BatchResult) error {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("solve: write results: %w", err)
			}
			return nil
		})
	if bar != nil {
		_ = bar.Finish()
	}
	if ferr := bw.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("solve: write results: %w", ferr)
	}
	bs := solveSummary(sum, o.batch)
	if by, perr := e.BatchPathStats(context.WithoutCancel(ctx), o.batch); perr == nil {
		bs.ByTool = by
	}
	if serr := writeSummary(app.Err, o.asJSON, "solve", bs); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		var ie *user.ItemError
		if errors.As(err, &ie) {
			return fmt.Errorf("%s:%d: %w (the batch stopped; fix the cause and rerun the same command to resume)", name, ie.Line, ie.Err)
		}
		return fmt.Errorf("solve %s: %w (rerun the same command to resume)", name, err)
	}
	if sum.Failed > 0 {
		return &ExitError{Code: ExitPartial, Err: fmt.Errorf("%d of %d inputs of %s failed (batch %s)", sum.Failed, len(items), name, o.batch)}
	}
	return nil
}

// batchSummary is the summary line of solve and stream (--json: its JSON).
type batchSummary struct {
	Batch     string         `json:"batch"`
	Instances int            `json:"instances"`
	Status    map[string]int `json:"status"` // instances by final status
	BadLines  int            `json:"bad_lines"`
	Resumed   int            `json:"resumed,omitempty"`
	ToolsMade int            `json:"tools_made"`
	Calls     int            `json:"model_calls"`
	CacheHits int            `json:"cache_hits"`
	Tokens    int            `json:"tokens"`
	Cost      float64        `json:"cost"`
	// ByTool says, per tool, how its runs in the batch were answered (no
	// model by path, user model, failed) and the guard refusals they met.
	ByTool map[string]library.PathStats `json:"by_tool,omitempty"`
	order  []string                     // statuses in the order the line names them
}

func solveSummary(s user.BatchSummary, batch string) batchSummary {
	return batchSummary{Batch: batch, Instances: s.Items, Status: map[string]int{"ok": s.OK, "failed": s.Failed},
		BadLines: s.Bad, Resumed: s.Resumed, Calls: s.Calls, CacheHits: s.Hits, Tokens: s.Tokens, Cost: s.Cost,
		order: []string{"ok", "failed"}}
}

// writeSummary writes s on w as one line: text, or JSON.
func writeSummary(w io.Writer, asJSON bool, cmd string, s batchSummary) error {
	if asJSON {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var parts []string
	for _, st := range s.order {
		label := st
		if st == dispatch.StatusError {
			label = "failed"
		}
		parts = append(parts, fmt.Sprintf("%d %s", s.Status[st], label))
	}
	line := fmt.Sprintf("%s: %s: %s", cmd, plural(s.Instances, "instance"), strings.Join(parts, ", "))
	if s.BadLines > 0 {
		line += fmt.Sprintf(" (%s)", plural(s.BadLines, "bad line"))
	}
	if s.Resumed > 0 {
		line += fmt.Sprintf(", %d from an earlier run", s.Resumed)
	}
	line += fmt.Sprintf("; %s made; %s", plural(s.ToolsMade, "tool"), plural(s.Calls, "model call"))
	if s.CacheHits > 0 {
		line += fmt.Sprintf(" (%d from the cache)", s.CacheHits)
	}
	line = fmt.Sprintf("%s, $%.4f; batch %s", line, s.Cost, s.Batch)
	for _, t := range describeBatchPaths(s.ByTool) {
		line += " | " + t
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// plural says "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
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

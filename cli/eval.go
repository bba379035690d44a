package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/latm/latm/eval"
	"github.com/latm/latm/internal/bbh"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/user"
)

// evalTasks are the paper's six tasks, run when --tasks is not given.
var evalTasks = []string{
	"logical_deduction_five_objects", "tracking_shuffled_objects_five_objects", "dyck_languages",
	"word_sorting", "chinese_remainder_theorem", "schedule_meeting",
}

// evalOptions are latm eval's flags.
type evalOptions struct {
	tasks      []string
	taskFiles  []string
	methods    []string
	limit      int
	cotRole    string
	workers    int
	asJSON     bool
	out        string
	checkpoint string
	calls      []string
}

func newEvalCmd(app *App) *cobra.Command {
	var o evalOptions
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Compare tool making with chain of thought and the strong model on benchmark tasks",
		Long: `eval runs the paper's comparison on the configured endpoints. For each task
(the bundled BIG-Bench Hard tasks, or a JSONL file of {"question", "answer"}
lines split 5 train, 5 validation, the rest test) and each method:

  latm    the maker role makes a tool from the training and validation
          examples, then the user role solves every test instance with it
  cot     few-shot chain of thought with --cot-role (user or solver)
  direct  the solver role answers with no tool

With --call code,json (or auto) the latm method runs once per call mode on
the same tool and test set, and a table compares the modes: accuracy, user
calls, tokens, retries and JSON arguments refused by the tool's argument
schema (docs/structured-calls.md says how to choose).

It prints accuracy (exact match; Dyck compared without spaces), model
calls, tokens, cost from the configured prices, wall time and tool-making
tries, as Markdown tables (or JSON with --json), and writes a results file
recording models, endpoints, prompt hashes and the latm version. Every
call is in the ledger (latm cost). With --checkpoint, finished instances
are appended to FILE and a re-run with the same FILE resumes.

Every figure comes from the endpoints configured; latm claims none.`,
		Example: `  latm eval --tasks word_sorting --limit 20 --checkpoint ws.ckpt --out ws.json
  latm eval --task-file mine.jsonl --methods latm,direct
  latm eval --task-file mine.jsonl --methods latm --call code,json
  latm eval compare before.json after.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Lookup("workers").Changed {
				o.workers = app.Cfg.Workers
			}
			return runEval(cmd, app, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.tasks, "tasks", nil, "bundled tasks to run, comma-separated (default: the paper's six: "+strings.Join(evalTasks, ", ")+")")
	f.StringSliceVar(&o.taskFiles, "task-file", nil, "a JSONL task of your own, one {\"question\", \"answer\"} per line (repeatable)")
	f.StringSliceVar(&o.methods, "methods", []string{eval.MethodLATM, eval.MethodCoT, eval.MethodDirect}, "methods: latm, cot, direct")
	f.IntVar(&o.limit, "limit", 0, "test instances per task (0: all)")
	f.StringVar(&o.cotRole, "cot-role", "user", "role answering with chain of thought: user or solver")
	f.IntVar(&o.workers, "workers", 0, "instances in flight (default: workers)")
	app.bind(cmd, "workers", "workers")
	f.BoolVar(&o.asJSON, "json", false, "print the results as JSON")
	f.StringVar(&o.out, "out", "", "results file (default: latm-eval-TIME.json in the working directory)")
	f.StringVar(&o.checkpoint, "checkpoint", "", "JSONL file of finished work to resume from and append to")
	f.StringSliceVar(&o.calls, "call", nil, "compare the latm method's call modes on the same tool, comma-separated: code, json, auto (default: solve.call alone)")
	cmd.AddCommand(newEvalCompareCmd(app))
	return cmd
}

func newEvalCompareCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "compare A.json B.json",
		Short: "Show two eval results files side by side, with accuracy deltas",
		Args:  cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			a, err := eval.ReadResults(args[0])
			if err != nil {
				return usageError("compare: %v (give two files written by latm eval --out)", err)
			}
			b, err := eval.ReadResults(args[1])
			if err != nil {
				return usageError("compare: %v (give two files written by latm eval --out)", err)
			}
			eval.Compare(app.Out, a, b, args[0], args[1])
			return nil
		},
	}
}

// loadEvalTasks resolves --tasks and --task-file.
func loadEvalTasks(o evalOptions) ([]*eval.Task, error) {
	names := o.tasks
	if len(names) == 0 && len(o.taskFiles) == 0 {
		names = evalTasks
	}
	var tasks []*eval.Task
	seen := map[string]string{}
	add := func(spec string, t *eval.Task) error {
		if prev, ok := seen[t.Name]; ok {
			return usageError("task name %q given twice (%s and %s); rename one file", t.Name, prev, spec)
		}
		seen[t.Name] = spec
		tasks = append(tasks, t)
		return nil
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if strings.HasSuffix(n, ".jsonl") {
			return nil, usageError("--tasks %s: give a task file with --task-file", n)
		}
		t, err := eval.LoadTask(n)
		if err != nil {
			return nil, usageError("--tasks: %v; bundled tasks: %s", err, strings.Join(bbh.Tasks(), ", "))
		}
		if err := add(n, t); err != nil {
			return nil, err
		}
	}
	for _, f := range o.taskFiles {
		spec := f
		if !strings.HasSuffix(spec, ".jsonl") && !strings.ContainsRune(spec, os.PathSeparator) {
			spec = "." + string(os.PathSeparator) + spec // a file, not a bundled task
		}
		t, err := eval.LoadTask(spec)
		if err != nil {
			return nil, usageError("--task-file: %v", err)
		}
		if err := add(f, t); err != nil {
			return nil, err
		}
	}
	if len(tasks) == 0 {
		return nil, usageError("no tasks: give --tasks or --task-file")
	}
	return tasks, nil
}

func runEval(cmd *cobra.Command, app *App, o evalOptions) error {
	ctx := cmd.Context()
	methods := map[string]bool{}
	for _, m := range o.methods {
		switch m {
		case eval.MethodLATM, eval.MethodCoT, eval.MethodDirect:
			if methods[m] {
				return usageError("--methods: %s given twice", m)
			}
			methods[m] = true
		default:
			return usageError("--methods %q: want latm, cot or direct, comma-separated", m)
		}
	}
	if len(methods) == 0 {
		return usageError("--methods: give at least one of latm, cot, direct")
	}
	if o.cotRole != string(llm.User) && o.cotRole != string(llm.Solver) {
		return usageError("--cot-role %q: want user or solver", o.cotRole)
	}
	seen := map[string]bool{}
	for _, c := range o.calls {
		switch c {
		case user.CallCode, user.CallJSON, user.CallAuto:
			if seen[c] {
				return usageError("--call: %s given twice", c)
			}
			seen[c] = true
		default:
			return usageError("--call %q: want code, json or auto, comma-separated", c)
		}
	}
	if len(o.calls) > 0 && !methods[eval.MethodLATM] {
		return usageError("--call compares the latm method's call modes: add latm to --methods")
	}
	if o.limit < 0 {
		return usageError("--limit %d: want 0 (all) or more", o.limit)
	}
	tasks, err := loadEvalTasks(o)
	if err != nil {
		return err
	}
	if methods[eval.MethodCoT] {
		for _, t := range tasks {
			if t.CoT == "" {
				fmt.Fprintf(app.Err, "eval: no cot row for %s: the cot method needs a few-shot chain-of-thought prompt, which only bundled BIG-Bench Hard tasks (--tasks) carry; a task file has none\n", t.Name)
			}
		}
	}
	e, err := app.Engine()
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	var barTried bool // stderr is asked once whether it is a terminal
	res, err := e.Evaluate(ctx, eval.Options{
		Tasks: tasks, Methods: o.methods, Limit: o.limit, CoTRole: llm.Role(o.cotRole), Workers: o.workers,
		Checkpoint: o.checkpoint, Calls: o.calls,
		Progress: func(done, total int) {
			if !barTried {
				barTried, bar = true, evalProgress(app.Err, total)
			}
			if bar != nil {
				_ = bar.Set(done)
			}
		},
	}, version())
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		if o.checkpoint != "" && len(res.Rows) > 0 {
			return fmt.Errorf("eval: %w (finished work is in %s; re-run with --checkpoint %s to resume)", err, o.checkpoint, o.checkpoint)
		}
		return fmt.Errorf("eval: %w", err)
	}
	out := o.out
	if out == "" {
		out = "latm-eval-" + res.Started.Format("20060102-150405") + ".json"
	}
	if err := res.WriteFile(out); err != nil {
		return fmt.Errorf("eval: write results: %w", err)
	}
	if o.asJSON {
		if err := writeJSON(app.Out, res); err != nil {
			return err
		}
	} else {
		eval.Markdown(app.Out, res)
	}
	fmt.Fprintf(app.Err, "results written to %s\n", out)
	return evalPartial(res.Rows, o.checkpoint)
}

// evalPartial reports instances that failed outside the model: their rows
// score them wrong, and a re-run with the checkpoint tries them again.
func evalPartial(rows []eval.Row, checkpoint string) error {
	var n int
	var first string
	for _, r := range rows {
		n += r.Unfinished
		if r.Unfinished > 0 && first == "" {
			first = r.FirstError
		}
	}
	if n == 0 {
		return nil
	}
	hint := "re-run with --checkpoint FILE to keep finished work"
	if checkpoint != "" {
		hint = "re-run with --checkpoint " + checkpoint + " to try them again"
	}
	return &ExitError{Code: ExitPartial, Err: fmt.Errorf("%d instances could not be answered (e.g. %s); they are scored wrong above; %s",
		n, oneLineErr(first), hint)}
}

func oneLineErr(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// evalProgress returns a progress bar on w when w is a terminal, else nil.
func evalProgress(w io.Writer, n int) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || n == 0 || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("evaluating"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

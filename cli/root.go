// Package cli holds latm's commands: flags, configuration, wiring of the
// packages below, and output formatting. Business logic lives in the
// packages it wires (maker, user, dispatch, eval, library, llm, starlarkrt).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/latm/latm/engine"
	"github.com/latm/latm/library"
	"github.com/latm/latm/llm"
	"github.com/latm/latm/starlarkrt"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitFailed      = 1   // the program or the job failed
	ExitUsage       = 2   // bad flags, arguments or configuration
	ExitLimit       = 3   // a sandbox limit was exceeded
	ExitPartial     = 4   // a batch finished, but some inputs failed
	ExitInterrupted = 130 // stopped by Ctrl-C (SIGINT) or SIGTERM, as shells report 128+SIGINT
)

// ExitError carries an exit status out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// App is what every command needs: the configuration and lazily opened
// resources. One App serves one invocation.
type App struct {
	In       io.Reader
	Out, Err io.Writer
	// Getenv reads the variables that hold API keys. The configuration
	// reads the process environment itself, through viper.
	Getenv func(string) string
	Cfg    Config

	configFile string
	verbose    bool
	flags      map[string]flagValue // config keys set by flags
	settings   map[string]setting   // each key's effective value and source
	file       *configFile          // nil: no config file
	bound      []boundFlag          // every flag that sets a config key

	mu    sync.Mutex
	store *library.Store
	rt    *starlarkrt.Runtime

	llmMu sync.Mutex // never held while taking mu
	eng   *engine.Engine
}

// Store opens the database on first use.
func (a *App) Store() (*library.Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store == nil {
		s, err := library.Open(a.Cfg.DB)
		if err != nil {
			return nil, err
		}
		a.store = s
	}
	return a.store, nil
}

// Runtime returns the sandbox configured by the limits.
func (a *App) Runtime() *starlarkrt.Runtime {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rt == nil {
		a.rt = starlarkrt.New(a.runtimeOptions())
	}
	return a.rt
}

func (a *App) runtimeOptions() starlarkrt.Options {
	l := a.Cfg.Limits
	mem, _ := parseSize(l.Memory) // validated in loadConfig
	out, _ := parseSize(l.Output)
	res, _ := parseSize(l.Result)
	iso := starlarkrt.Subprocess
	if l.Isolation == "inprocess" {
		iso = starlarkrt.InProcess
	}
	return starlarkrt.Options{
		Limits: starlarkrt.Limits{
			MaxSteps: l.Steps, Timeout: l.Timeout, MaxDepth: l.Depth,
			MaxMemory: mem, MaxOutput: int(out), MaxResult: int(res),
		},
		Isolation: iso,
		Workers:   a.Cfg.Workers,
	}
}

// Close releases what the App opened.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	errs := []error{a.closeLLM()}
	if a.rt != nil {
		errs = append(errs, a.rt.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	return errors.Join(errs...)
}

// bind makes a command's flag the highest-precedence source of a config key.
func (a *App) bind(cmd *cobra.Command, flag, key string) {
	a.bound = append(a.bound, boundFlag{cmd: cmd.Name(), flag: flag, key: key})
	cmd.PreRunE = chainPreRun(cmd.PreRunE, func(cmd *cobra.Command, _ []string) error {
		if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
			a.setFlag(key, "--"+flag, f.Value.String())
			return a.reload()
		}
		return nil
	})
}

// boundFlag is a flag of command cmd ("latm" for the global flags) that
// sets a config key.
type boundFlag struct{ cmd, flag, key string }

// rootFlags are the global flags that set config keys.
var rootFlags = map[string]string{"db": "db", "no-cache": "cache", "record": "record", "replay": "replay", "prompts-dir": "prompts_dir"}

// configure builds the configuration from cmd's global flags and the
// other layers.
func (a *App) configure(cmd *cobra.Command) error {
	for flag, key := range rootFlags {
		f := cmd.Flags().Lookup(flag)
		if f == nil || !f.Changed {
			continue
		}
		if flag == "no-cache" {
			a.setFlag(key, "--"+flag, fmt.Sprint(f.Value.String() != "true"))
			continue
		}
		a.setFlag(key, "--"+flag, f.Value.String())
	}
	return a.reload()
}

func (a *App) setFlag(key, name, value string) {
	if a.flags == nil {
		a.flags = map[string]flagValue{}
	}
	a.flags[key] = flagValue{name: name, value: value}
}

func chainPreRun(prev, next func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(cmd, args); err != nil {
				return err
			}
		}
		return next(cmd, args)
	}
}

func (a *App) reload() error {
	c, eff, file, err := loadConfig(a.configFile, a.flags)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	a.Cfg, a.settings, a.file = c, eff, file
	return nil
}

// NewRootCmd builds the latm command tree around app.
func NewRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "latm",
		Short: "Large language models as tool makers, in one binary",
		Long: `latm lets a strong model write a reusable Starlark tool from a few solved
examples, then lets a cheap model solve every later instance with one short
call of that tool, run in a sandbox. Tools, runs and every model call are
kept in one SQLite file.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return app.configure(cmd) },
		Version:           version(),
	}
	root.SetVersionTemplate(`{{printf "latm %s\n" .Version}}`)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: ExitUsage, Err: err}
	})
	root.SetIn(app.In)
	root.SetOut(app.Out)
	root.SetErr(app.Err)
	pf := root.PersistentFlags()
	pf.StringVar(&app.configFile, "config", "", "config file (default: latm.yaml in the working directory or the user config dir)")
	pf.String("db", "", "SQLite database file (created on first use)")
	pf.Bool("no-cache", false, "bypass the LLM response cache")
	pf.String("record", "", "append every LLM exchange to this JSONL file")
	pf.String("replay", "", "serve LLM exchanges from this JSONL file, with no network")
	pf.String("prompts-dir", "", "directory of prompt templates that override the built-in ones")
	for flag, key := range rootFlags {
		app.bound = append(app.bound, boundFlag{cmd: "latm", flag: flag, key: key})
	}
	pf.BoolVarP(&app.verbose, "verbose", "v", false, "print every retry of a model call (its cause and wait) to stderr")

	for _, c := range []*cobra.Command{
		newVersionCmd(app),
		newConfigCmd(app),
		newRunCmd(app),
		newToolsCmd(app),
		newMakeCmd(app),
		newSolveCmd(app),
		newCostCmd(app),
		newStreamCmd(app),
		newLabelCmd(app),
		newBenchCmd(app),
		newEvalCmd(app),
		newRunsCmd(app),
		newServeCmd(app),
		newMCPCmd(app),
		newTokenCmd(app),
		newWorkerCmd(app),
		newNATSCmd(app),
	} {
		if c != nil {
			root.AddCommand(c)
		}
	}
	addBenchServe(root, app)
	return root
}

// Main runs latm with args and returns the exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = os.Getenv
	}
	app := &App{In: stdin, Out: stdout, Err: stderr, Getenv: getenv}
	root := NewRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if cerr := app.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if ctx.Err() != nil {
		// Interrupted: whatever the command returned, the status says so.
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "latm:", err)
		}
		fmt.Fprintln(stderr, "latm: interrupted")
		return ExitInterrupted
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "latm:", llm.RedactText(err.Error()))
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if isUsage(err) {
		return ExitUsage
	}
	return ExitFailed
}

// isUsage tells cobra's own argument and flag errors apart.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

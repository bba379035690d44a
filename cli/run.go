package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/latm/latm/starlarkrt"
	"github.com/latm/latm/tool"
)

func newRunCmd(app *App) *cobra.Command {
	var fn, args, show string
	cmd := &cobra.Command{
		Use:   "run FILE.star",
		Short: "Run a tool file in the sandbox, offline",
		Long: `Run a Starlark (or Python-flavoured) file in the sandbox, with no model.

With --func, or when the file defines solve, or when the file is a tool
package (latm tools export) and so names its entry function, the function
is called with
--args (a JSON array of positional arguments or a JSON object of keyword
arguments) and its result is printed as JSON. Otherwise the file runs as a
script and its global variables are printed as a JSON object (--var NAME
prints one of them, e.g. --var ans).

What the program prints goes to stderr. Exit status: 0 success, 1 the
program failed (syntax or runtime error), 2 usage error, 3 a limit was
exceeded.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return app.run(cmd, argv[0], fn, cmd.Flags().Changed("func"), args, show)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fn, "func", "solve", "the function to call")
	f.StringVar(&args, "args", "", `arguments as JSON: an array (positional) or an object (keyword), e.g. '["b a c"]'`)
	f.StringVar(&show, "var", "", "in script mode, print only this global variable")
	f.Uint64("max-steps", 0, "execution steps allowed (default from limits.steps)")
	f.Duration("timeout", 0, "wall-clock time allowed (default from limits.timeout)")
	f.String("max-memory", "", "memory allowed, e.g. 256MB (default from limits.memory)")
	f.Int("max-depth", 0, "call depth allowed (default from limits.depth)")
	f.String("isolation", "", "process (a sandbox worker process) or inprocess")
	app.bind(cmd, "max-steps", "limits.steps")
	app.bind(cmd, "timeout", "limits.timeout")
	app.bind(cmd, "max-memory", "limits.memory")
	app.bind(cmd, "max-depth", "limits.depth")
	app.bind(cmd, "isolation", "limits.isolation")
	return cmd
}

func (a *App) run(cmd *cobra.Command, file, fn string, fnGiven bool, rawArgs, show string) error {
	code, err := os.ReadFile(file)
	if err != nil {
		return usageError("run: %v", err)
	}
	if !fnGiven {
		// A tool package is Starlark under a comment header that names
		// the function to call.
		if t, err := tool.DecodePackage(code); err == nil && t.Entry != "" {
			fn, fnGiven = t.Entry, true
		}
	}
	var posArgs []any
	var kwArgs map[string]any
	if strings.TrimSpace(rawArgs) != "" {
		dec := json.NewDecoder(strings.NewReader(rawArgs))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return usageError("run: --args is not JSON: %v (fix: pass an array like '[1, \"x\"]' or an object like '{\"n\": 3}')", err)
		}
		switch x := v.(type) {
		case []any:
			posArgs = x
		case map[string]any:
			kwArgs = x
		default:
			return usageError("run: --args must be a JSON array (positional) or object (keyword), not %s", rawArgs)
		}
	}
	rt := a.runRuntime()
	defer rt.Close()
	ctx := cmd.Context()
	src := starlarkrt.Source{Name: file, Code: string(code)}
	// Whether to call fn is read from the compiled file, without running
	// its top level (a script's top level is its whole work, and Exec
	// runs it); only a name bound otherwise than by def needs Load.
	def, bound, err := rt.Declares(src, fn)
	if err != nil {
		return runError(file, err)
	}
	call := fnGiven || def
	if !call && bound {
		mod, err := rt.Load(ctx, src)
		if err != nil {
			return runError(file, err)
		}
		call = defines(mod, fn)
	}
	if !call && rawArgs != "" {
		return usageError("run: %s defines no function %s to pass --args to (fix: name one with --func)", file, fn)
	}
	var out any
	var printed string
	if call {
		res, err := rt.Call(ctx, src, fn, posArgs, kwArgs)
		if err != nil {
			return runError(file, err)
		}
		out, printed = res.Value, res.Output
	} else {
		res, err := rt.Exec(ctx, starlarkrt.Source{Name: "empty.star"}, src)
		if err != nil {
			return runError(file, err)
		}
		printed = res.Output
		if show != "" {
			v, ok := res.Globals[show]
			if !ok {
				fmt.Fprint(a.Err, printed)
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("run: %s assigns no JSON-like global named %s (it has: %s)", file, show, strings.Join(res.Order, ", "))}
			}
			out = v
		} else {
			out = res.Globals
		}
	}
	fmt.Fprint(a.Err, printed)
	b, err := starlarkrt.MarshalJSON(out)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") == nil {
		b = pretty.Bytes()
	}
	fmt.Fprintln(a.Out, string(b))
	return nil
}

// runRuntime returns the sandbox latm run uses. latm run is one program in
// one process, so with process isolation it puts itself under the memory
// limit a sandbox worker would have and runs the program in process: the
// same limits, without starting the binary a second time (half of a short
// run's time). Where the OS cannot confine it, and inside a test binary
// (whose other tests must not inherit the limit), it starts a worker.
func (a *App) runRuntime() *starlarkrt.Runtime {
	opts := a.runtimeOptions()
	if opts.Isolation == starlarkrt.Subprocess && !testing.Testing() && starlarkrt.ConfineProcess(opts.Limits.MaxMemory) == nil {
		opts.Isolation = starlarkrt.InProcess
	}
	return starlarkrt.New(opts)
}

func defines(m *starlarkrt.Module, fn string) bool {
	for _, f := range m.Functions {
		if f.Name == fn {
			return true
		}
	}
	return false
}

// runError maps sandbox errors to exit statuses: 3 for a limit, named with
// the file and the setting that raises it, 1 for a program error.
func runError(file string, err error) error {
	var le *starlarkrt.LimitError
	if errors.As(err, &le) {
		return &ExitError{Code: ExitLimit, Err: fmt.Errorf("%s: %w (%s)", file, err, limitFix[le.Limit])}
	}
	return &ExitError{Code: ExitFailed, Err: err}
}

// limitFix says how to raise each limit.
var limitFix = map[string]string{
	"steps":  "raise it with --max-steps or limits.steps",
	"time":   "raise it with --timeout or limits.timeout",
	"depth":  "raise it with --max-depth or limits.depth",
	"memory": "raise it with --max-memory or limits.memory",
	"output": "the program prints too much; raise limits.output",
	"result": "the result is too large; raise limits.result",
}

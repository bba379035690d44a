package starlarkrt

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// An engine compiles and runs programs on goroutines of the current
// process. The in-process Runtime uses one directly; in Subprocess mode
// every worker process runs one.
//
// Compiled programs are cached by source, and so are a tool's globals once
// its top level has run, frozen: a call then costs one thread and one
// function call. A call that fails because it mutates a frozen global (a
// module-level memo table, say) runs once more with fresh, unfrozen
// globals, as a Python exec of the tool would give it; programs are
// deterministic and have no effects outside the call, so the rerun is
// safe and its result is the call's.
type engine struct {
	dialect Dialect
	mods    map[string]*starlarkstruct.Module // the importable modules
	pre     starlark.StringDict               // predeclared names, beyond the universe

	mu    sync.Mutex
	cache map[cacheKey]*compiled
	order []cacheKey // insertion order, for eviction
}

// cacheKey identifies a compilation: the source, and for a call snippet
// the global names of the tool it runs against.
type cacheKey struct{ name, code, extra string }

// maxCached bounds the compiled-program cache of one engine.
const maxCached = 512

// compiled is one compiled source and what its compilation learned.
type compiled struct {
	prog    *starlark.Program
	globals []string // the program's global names, in order of first binding
	// globalsKey is globals joined: what a call snippet compiled against
	// this program is cached under, beside its own source.
	globalsKey string
	lines      []string // the original source, for error messages
	defs       []string // the functions its top level defines with def
	err        error    // a compile error, cached like a program

	mu     sync.Mutex
	frozen starlark.StringDict // the tool's globals after its top level ran, frozen; nil until then
	scope  starlark.StringDict // predeclared names plus frozen, for call snippets
}

// newEngine returns an engine for the default dialect and modules.
func newEngine() *engine { return newEngineFor(Python, nil) }

// newEngineFor returns an engine for programs of dialect d that may use the
// modules mods (nil: the standard ones).
func newEngineFor(d Dialect, mods map[string]*starlarkstruct.Module) *engine {
	e := &engine{dialect: d, mods: mods, cache: map[cacheKey]*compiled{}}
	if mods == nil && d == Python {
		e.mods, e.pre = moduleTable(), predeclaredNames()
	} else {
		if mods == nil {
			e.mods = moduleTable()
		}
		e.pre = predeclaredOf(d, e.mods)
	}
	return e
}

// universe holds the names every program sees beyond Starlark's own.
var (
	universeOnce sync.Once
	universe     starlark.StringDict
)

func predeclaredNames() starlark.StringDict {
	universeOnce.Do(func() { universe = predeclared() })
	return universe
}

// compile returns the compiled program for src, whose free names may also
// refer to extra (the tool's globals, for a call snippet).
func (e *engine) compile(src Source, extraKey string, extra func(string) bool) *compiled {
	key := cacheKey{src.Name, src.Code, extraKey}
	e.mu.Lock()
	c, ok := e.cache[key]
	e.mu.Unlock()
	if ok {
		return c
	}
	c = e.compileSource(src, extra)
	e.mu.Lock()
	if _, ok := e.cache[key]; !ok {
		if len(e.order) >= maxCached {
			delete(e.cache, e.order[0])
			e.order = e.order[1:]
		}
		e.cache[key] = c
		e.order = append(e.order, key)
	}
	e.mu.Unlock()
	return c
}

func (e *engine) compileSource(src Source, extra func(string) bool) *compiled {
	// A byte-order mark, as some editors write, is not part of the program.
	src.Code = strings.TrimPrefix(src.Code, "\ufeff")
	c := &compiled{lines: strings.Split(src.Code, "\n")}
	if err := checkSource(src.Name, src.Code); err != nil {
		c.err = err
		var pe *ProgramError
		if errors.As(err, &pe) {
			pe.SourceLine = lineAt(c.lines, pe.Line)
		}
		return c
	}
	var f *syntax.File
	var err error
	if e.dialect == Python {
		f, err = parseDialectIn(src.Name, src.Code, e.mods, extra)
	} else {
		f, err = fileOptions.Parse(src.Name, src.Code, 0)
	}
	if err != nil {
		c.err = programError("syntax", err, src.Name, c.lines)
		return c
	}
	uni := e.pre
	isPredeclared := func(name string) bool {
		return uni.Has(name) || (extra != nil && extra(name))
	}
	prog, err := starlark.FileProgram(f, isPredeclared)
	if err != nil {
		c.err = programError("syntax", err, src.Name, c.lines)
		return c
	}
	c.prog = prog
	for _, st := range f.Stmts {
		if d, ok := st.(*syntax.DefStmt); ok {
			c.defs = append(c.defs, d.Name.Name)
		}
	}
	if m, ok := f.Module.(*resolve.Module); ok {
		for _, b := range m.Globals {
			if !hiddenName(b.First.Name) {
				c.globals = append(c.globals, b.First.Name)
			}
		}
		c.globalsKey = strings.Join(c.globals, "\x00")
	}
	return c
}

// call is one execution under limits: a thread, its guards, its output.
type call struct {
	thread *starlark.Thread
	state  *callstate.State
	limits Limits
	out    strings.Builder
	start  time.Time
	stop   func()

	// Read and written by the monitor only.
	deadline time.Time
	// ctxFirst: the caller's context deadline comes before the time
	// limit, so reaching deadline is the caller's deadline, not the limit.
	ctxFirst bool
	base     int64 // heap bytes when the call began
}

// stepChunk is how many steps run between two checks of the depth limit
// (and of the step limit itself) by the thread's OnMaxSteps hook. A frame
// costs at least two steps, so the depth limit is overshot by at most
// stepChunk/2 frames, far below what the Go stack could not hold.
const stepChunk = 256

func (e *engine) begin(ctx context.Context, lim Limits, name string) *call {
	lim = lim.withDefaults()
	c := &call{limits: lim, start: time.Now(), state: &callstate.State{MaxSteps: lim.MaxSteps, MaxMemory: lim.MaxMemory}}
	th := &starlark.Thread{Name: name}
	c.thread = th
	callstate.Attach(th, c.state)
	th.Load = func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
		if e.dialect == Starlark {
			return nil, fmt.Errorf("load(%q) is not available: tools are single files; the modules %s are predeclared", module, listModules(e.mods))
		}
		return nil, fmt.Errorf("load(%q) is not available: tools are single files; use import for the modules %s", module, listModules(e.mods))
	}
	th.Print = func(_ *starlark.Thread, msg string) {
		if c.state.Err() != nil {
			return
		}
		if c.out.Len()+len(msg)+1 > lim.MaxOutput {
			c.state.Halt(th, &LimitError{Limit: "output", Max: formatSize(int64(lim.MaxOutput))})
			return
		}
		c.out.WriteString(msg)
		c.out.WriteByte('\n')
	}
	next := func() uint64 {
		n := th.Steps + stepChunk
		if n > lim.MaxSteps {
			n = lim.MaxSteps
		}
		return n
	}
	th.SetMaxExecutionSteps(next())
	th.OnMaxSteps = func(th *starlark.Thread) {
		if th.Steps >= lim.MaxSteps {
			c.state.Halt(th, &LimitError{Limit: "steps", Max: fmt.Sprint(lim.MaxSteps)})
			return
		}
		if th.CallStackDepth() > lim.MaxDepth {
			c.state.Halt(th, &LimitError{Limit: "depth", Max: fmt.Sprint(lim.MaxDepth)})
			return
		}
		th.SetMaxExecutionSteps(next())
	}
	c.stop = watch(ctx, c, lim)
	return c
}

// end stops the guards and turns err into the error the caller sees: the
// limit that stopped the call, a cancelled context, or a ProgramError.
func (c *call) end(err error, files map[string][]string) error {
	c.stop()
	if err := c.state.Err(); err != nil {
		return err
	}
	if err == nil {
		return nil
	}
	var le *LimitError
	if errors.As(err, &le) { // from a builtin, through the interpreter's EvalError
		return le
	}
	if strings.Contains(err.Error(), "Starlark stack overflow") {
		return &LimitError{Limit: "depth", Max: fmt.Sprint(c.limits.MaxDepth)}
	}
	return programErrorIn(err, files)
}

func (c *call) stats() Stats {
	return Stats{Steps: c.thread.Steps, Wall: time.Since(c.start), PeakMemory: c.state.Peak()}
}

// prepare compiles a tool and returns its globals: the cached frozen ones,
// or, when fresh is set or none are cached yet, those of a new run of its
// top level (which are then frozen and cached unless fresh is set).
func (e *engine) prepare(c *call, tool Source, fresh bool) (starlark.StringDict, *compiled, error) {
	comp := e.compile(tool, "", nil)
	if comp.err != nil {
		return nil, comp, comp.err
	}
	if !fresh {
		comp.mu.Lock()
		g := comp.frozen
		comp.mu.Unlock()
		if g != nil {
			return g, comp, nil
		}
	}
	var globals starlark.StringDict
	err := safely(func() (err error) {
		globals, err = comp.prog.Init(c.thread, e.pre)
		return err
	})
	if err != nil {
		return nil, comp, c.end(err, map[string][]string{tool.Name: comp.lines})
	}
	if !fresh {
		globals.Freeze()
		comp.mu.Lock()
		if comp.frozen == nil {
			comp.frozen = globals
			comp.scope = make(starlark.StringDict, len(e.pre)+len(globals))
			for k, v := range e.pre {
				comp.scope[k] = v
			}
			for k, v := range globals {
				comp.scope[k] = v
			}
		}
		globals = comp.frozen
		comp.mu.Unlock()
	}
	return globals, comp, nil
}

// scopeOf returns the names a call snippet sees: the predeclared ones and
// the tool's globals (cached with the tool's frozen globals).
func (e *engine) scopeOf(comp *compiled, globals starlark.StringDict, fresh bool) starlark.StringDict {
	if !fresh {
		comp.mu.Lock()
		defer comp.mu.Unlock()
		return comp.scope
	}
	pre := make(starlark.StringDict, len(e.pre)+len(globals))
	for k, v := range e.pre {
		pre[k] = v
	}
	for k, v := range globals {
		pre[k] = v
	}
	return pre
}

// safely runs f, turning a panic inside the interpreter (go.starlark.net
// has a few, e.g. calling set().difference taken as a value with no
// argument) into a runtime error of the program, so that no program can
// crash the process that runs it.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ProgramError{Phase: "runtime", Msg: fmt.Sprintf("internal error in the interpreter: %v", r),
				Hint: "the interpreter failed on this program; write the failing expression another way"}
		}
	}()
	return f()
}

// frozenMutation reports whether err is a program's attempt to change a
// frozen value: the sign that the tool keeps mutable module-level state.
func frozenMutation(err error) bool {
	var pe *ProgramError
	return errors.As(err, &pe) && pe.Phase == "runtime" && strings.Contains(pe.Msg, "frozen")
}

func (e *engine) load(ctx context.Context, lim Limits, tool Source) (*Module, error) {
	c := e.begin(ctx, lim, tool.Name)
	globals, comp, err := e.prepare(c, tool, false)
	if err != nil {
		c.stop()
		return nil, err
	}
	if err := c.end(nil, nil); err != nil {
		return nil, err
	}
	return describe(globals, comp.globals), nil
}

func describe(globals starlark.StringDict, order []string) *Module {
	m := &Module{}
	for _, name := range order {
		fn, ok := globals[name].(*starlark.Function)
		if !ok {
			continue
		}
		f := Function{Name: name, Doc: fn.Doc()}
		for i := 0; i < fn.NumParams(); i++ {
			p, _ := fn.Param(i)
			f.Params = append(f.Params, p)
		}
		m.Functions = append(m.Functions, f)
	}
	return m
}

func (e *engine) call(ctx context.Context, lim Limits, tool Source, fn string, args []any, kwargs map[string]any) (*Result, error) {
	res, err := e.callOnce(ctx, lim, tool, fn, args, kwargs, false)
	if frozenMutation(err) {
		return e.callOnce(ctx, lim, tool, fn, args, kwargs, true)
	}
	return res, err
}

func (e *engine) callOnce(ctx context.Context, lim Limits, tool Source, fn string, args []any, kwargs map[string]any, fresh bool) (*Result, error) {
	c := e.begin(ctx, lim, tool.Name)
	globals, comp, err := e.prepare(c, tool, fresh)
	if err != nil {
		c.stop()
		return nil, err
	}
	f, ok := globals[fn]
	if !ok {
		c.stop()
		return nil, fmt.Errorf("%s defines no function %q (it defines: %s)", tool.Name, fn, strings.Join(functionNames(globals, comp.globals), ", "))
	}
	if _, ok := f.(starlark.Callable); !ok {
		c.stop()
		return nil, fmt.Errorf("%s: %q is a %s, not a function", tool.Name, fn, f.Type())
	}
	sargs := make(starlark.Tuple, len(args))
	for i, a := range args {
		v, err := ToStarlark(a)
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		sargs[i] = v
	}
	var skw []starlark.Tuple
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := ToStarlark(kwargs[k])
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("argument %s: %w", k, err)
		}
		skw = append(skw, starlark.Tuple{starlark.String(k), v})
	}
	var ret starlark.Value
	err = safely(func() (err error) {
		ret, err = starlark.Call(c.thread, f, sargs, skw)
		return err
	})
	if err := c.end(err, map[string][]string{tool.Name: comp.lines}); err != nil {
		return nil, err
	}
	max := lim.withDefaults().MaxResult
	val, err := fromStarlarkMax(ret, max)
	var le *LimitError
	switch {
	case errors.Is(err, errTooLarge):
		return nil, &LimitError{Limit: "result", Max: formatSize(int64(max))}
	case errors.As(err, &le):
		return nil, le
	case err != nil:
		return nil, fmt.Errorf("%s returned a value that is not JSON-like: %w", fn, err)
	}
	if err := checkResultSize(val, max); err != nil {
		return nil, err
	}
	return &Result{Value: val, Output: c.out.String(), Stats: c.stats()}, nil
}

func functionNames(globals starlark.StringDict, order []string) []string {
	var names []string
	for _, n := range order {
		if _, ok := globals[n].(starlark.Callable); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = []string{"no functions"}
	}
	return names
}

func (e *engine) exec(ctx context.Context, lim Limits, tool, snippet Source) (*ExecResult, error) {
	res, err := e.execOnce(ctx, lim, tool, snippet, false)
	if frozenMutation(err) {
		return e.execOnce(ctx, lim, tool, snippet, true)
	}
	return res, err
}

func (e *engine) execOnce(ctx context.Context, lim Limits, tool, snippet Source, fresh bool) (*ExecResult, error) {
	c := e.begin(ctx, lim, snippet.Name)
	globals, comp, err := e.prepare(c, tool, fresh)
	if err != nil {
		c.stop()
		return nil, err
	}
	// The snippet sees the tool's globals as predeclared names; it is
	// compiled against the tool's set of global names.
	sn := e.compile(snippet, comp.globalsKey, func(name string) bool { return globals.Has(name) })
	if sn.err != nil {
		c.stop()
		return nil, sn.err
	}
	var out starlark.StringDict
	err = safely(func() (err error) {
		out, err = sn.prog.Init(c.thread, e.scopeOf(comp, globals, fresh))
		return err
	})
	if err := c.end(err, map[string][]string{tool.Name: comp.lines, snippet.Name: sn.lines}); err != nil {
		return nil, err
	}
	res := &ExecResult{Globals: map[string]any{}, Output: c.out.String(), Stats: c.stats()}
	size := 0
	max := lim.withDefaults().MaxResult
	for _, name := range sn.globals {
		v, ok := out[name]
		if !ok {
			continue
		}
		g, err := fromStarlarkMax(v, max-size)
		switch {
		case errors.Is(err, errTooLarge):
			return nil, &LimitError{Limit: "result", Max: formatSize(int64(max))}
		case err != nil:
			continue // functions, values that contain themselves: no JSON form
		}
		n, err := jsonSize(g)
		if err != nil {
			continue
		}
		if size += n; size > max {
			return nil, &LimitError{Limit: "result", Max: formatSize(int64(max))}
		}
		res.Globals[name] = g
		res.Order = append(res.Order, name)
	}
	return res, nil
}

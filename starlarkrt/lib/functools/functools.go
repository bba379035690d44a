// Package functools is Python's functools module for latm's sandbox:
// reduce, partial, cmp_to_key, lru_cache, cache, wraps and total_ordering.
//
// lru_cache and cache work both as calls (f = functools.cache(f),
// functools.lru_cache(maxsize=128)(f)) and as decorators once the dialect
// accepts decorator syntax. A cached function that is a tool's global is
// frozen after the tool loads; its cache then lives in the call's thread,
// so it still memoises within one call and never carries state from one
// call to the next.
package functools

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the functools module.
var Module = &starlarkstruct.Module{
	Name: "functools",
	Members: starlark.StringDict{
		"reduce":         starlark.NewBuiltin("functools.reduce", reduce),
		"partial":        starlark.NewBuiltin("functools.partial", newPartial),
		"cmp_to_key":     starlark.NewBuiltin("functools.cmp_to_key", cmpToKey),
		"lru_cache":      starlark.NewBuiltin("functools.lru_cache", lruCache),
		"cache":          starlark.NewBuiltin("functools.cache", cache),
		"wraps":          starlark.NewBuiltin("functools.wraps", wraps),
		"total_ordering": starlark.NewBuiltin("functools.total_ordering", identity),
	},
}

// reduce is reduce(function, iterable[, initial]).
func reduce(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn, it, acc starlark.Value
	if err := starlark.UnpackPositionalArgs("reduce", args, kwargs, 2, &fn, &it, &acc); err != nil {
		return nil, err
	}
	err := callstate.Iterate(thread, "reduce", it, func(x starlark.Value) error {
		if acc == nil {
			acc = x
			return nil
		}
		v, err := starlark.Call(thread, fn, starlark.Tuple{acc, x}, nil)
		acc = v
		return err
	})
	if err != nil {
		return nil, err
	}
	if acc == nil {
		return nil, fmt.Errorf("reduce() of empty iterable with no initial value")
	}
	return acc, nil
}

// Partial is functools.partial(func, *args, **keywords).
type Partial struct {
	fn     starlark.Value
	args   starlark.Tuple
	kwargs []starlark.Tuple
}

var (
	_ starlark.Callable = (*Partial)(nil)
	_ starlark.HasAttrs = (*Partial)(nil)
)

func newPartial(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("type 'partial' takes at least one argument")
	}
	if _, ok := args[0].(starlark.Callable); !ok {
		return nil, fmt.Errorf("the first argument must be callable")
	}
	p := &Partial{fn: args[0], args: append(starlark.Tuple(nil), args[1:]...), kwargs: kwargs}
	// A partial of a partial flattens, as CPython's does.
	if inner, ok := args[0].(*Partial); ok {
		p.fn = inner.fn
		p.args = append(append(starlark.Tuple(nil), inner.args...), p.args...)
		p.kwargs = mergeKwargs(inner.kwargs, kwargs)
	}
	return p, nil
}

// mergeKwargs returns base overridden by over, in base's order then over's.
func mergeKwargs(base, over []starlark.Tuple) []starlark.Tuple {
	out := append([]starlark.Tuple(nil), base...)
	for _, kv := range over {
		replaced := false
		for i, b := range out {
			if b[0] == kv[0] {
				out[i] = kv
				replaced = true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func (p *Partial) Name() string          { return "partial" }
func (p *Partial) Type() string          { return "functools.partial" }
func (p *Partial) Truth() starlark.Bool  { return true }
func (p *Partial) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: functools.partial") }
func (p *Partial) Freeze() {
	p.fn.Freeze()
	p.args.Freeze()
	for _, kv := range p.kwargs {
		kv.Freeze()
	}
}

func (p *Partial) String() string {
	parts := []string{p.fn.String()}
	for _, a := range p.args {
		parts = append(parts, a.String())
	}
	for _, kv := range p.kwargs {
		parts = append(parts, string(kv[0].(starlark.String))+"="+kv[1].String())
	}
	return "functools.partial(" + strings.Join(parts, ", ") + ")"
}

func (p *Partial) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	all := append(append(starlark.Tuple(nil), p.args...), args...)
	return starlark.Call(thread, p.fn, all, mergeKwargs(p.kwargs, kwargs))
}

func (p *Partial) Attr(name string) (starlark.Value, error) {
	switch name {
	case "func":
		return p.fn, nil
	case "args":
		return p.args, nil
	case "keywords":
		d := starlark.NewDict(len(p.kwargs))
		for _, kv := range p.kwargs {
			if err := d.SetKey(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, nil
}

func (p *Partial) AttrNames() []string { return []string{"args", "func", "keywords"} }

// cmpToKey is cmp_to_key(mycmp): a key function whose keys compare by
// calling mycmp(a, b) and looking at the sign of its result.
func cmpToKey(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var cmp starlark.Value
	if err := starlark.UnpackArgs("cmp_to_key", args, kwargs, "mycmp", &cmp); err != nil {
		return nil, err
	}
	return starlark.NewBuiltin("functools.KeyWrapper", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var obj starlark.Value
		if err := starlark.UnpackPositionalArgs("functools.KeyWrapper", args, kwargs, 1, &obj); err != nil {
			return nil, err
		}
		return &cmpKey{obj: obj, cmp: cmp, thread: thread}, nil
	}), nil
}

// cmpKey is a key made by cmp_to_key. Comparisons get no thread, so a key
// calls the comparison function on the thread that made it, which is the
// one sorting.
type cmpKey struct {
	obj, cmp starlark.Value
	thread   *starlark.Thread
}

var _ starlark.Comparable = (*cmpKey)(nil)

func (k *cmpKey) String() string       { return "<functools.KeyWrapper object>" }
func (k *cmpKey) Type() string         { return "functools.KeyWrapper" }
func (k *cmpKey) Freeze()              { k.obj.Freeze() }
func (k *cmpKey) Truth() starlark.Bool { return true }
func (k *cmpKey) Hash() (uint32, error) {
	return 0, fmt.Errorf("unhashable type: functools.KeyWrapper")
}

func (k *cmpKey) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o, ok := y.(*cmpKey)
	if !ok {
		return false, fmt.Errorf("cannot compare a cmp_to_key key with %s", y.Type())
	}
	r, err := starlark.Call(k.thread, k.cmp, starlark.Tuple{k.obj, o.obj}, nil)
	if err != nil {
		return false, err
	}
	ok, err = starlark.Compare(op, r, starlark.MakeInt(0))
	if err != nil {
		return false, fmt.Errorf("cmp_to_key: the comparison function returned %s, want a number: %w", r.Type(), err)
	}
	return ok, nil
}

func identity(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	return x, nil
}

// wraps is wraps(wrapped): a decorator that returns its argument, since
// Starlark functions carry no writable metadata to copy.
func wraps(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("wraps() takes 1 positional argument but %d were given", len(args))
	}
	return starlark.NewBuiltin("functools.wraps.decorator", identity), nil
}

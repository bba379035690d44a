package functools

import (
	"fmt"

	"go.starlark.net/starlark"
)

// lruCache is lru_cache(maxsize=128, typed=False) (a decorator) or
// lru_cache(user_function) (the cached function).
func lruCache(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 1 && len(kwargs) == 0 {
		if _, ok := args[0].(starlark.Callable); ok {
			return newCached(args[0], 128), nil
		}
	}
	var maxsize starlark.Value = starlark.MakeInt(128)
	typed := false
	if err := starlark.UnpackArgs("lru_cache", args, kwargs, "maxsize?", &maxsize, "typed?", &typed); err != nil {
		return nil, err
	}
	limit := -1
	if maxsize != starlark.None {
		if err := starlark.AsInt(maxsize, &limit); err != nil {
			return nil, fmt.Errorf("Expected first argument to be an integer, a callable, or None")
		}
		limit = max(limit, 0)
	}
	return starlark.NewBuiltin("functools.lru_cache.decorator", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var fn starlark.Value
		if err := starlark.UnpackPositionalArgs("lru_cache", args, kwargs, 1, &fn); err != nil {
			return nil, err
		}
		if _, ok := fn.(starlark.Callable); !ok {
			return nil, fmt.Errorf("lru_cache: got %s, want a function", fn.Type())
		}
		return newCached(fn, limit), nil
	}), nil
}

// cache is cache(user_function): lru_cache(maxsize=None)(user_function).
func cache(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Value
	if err := starlark.UnpackPositionalArgs("cache", args, kwargs, 1, &fn); err != nil {
		return nil, err
	}
	if _, ok := fn.(starlark.Callable); !ok {
		return nil, fmt.Errorf("cache: got %s, want a function", fn.Type())
	}
	return newCached(fn, -1), nil
}

// Cached is a function wrapped by lru_cache or cache. Results are kept by
// arguments (which must be hashable, as in Python) in least-recently-used
// order; maxsize < 0 means unbounded.
type Cached struct {
	fn      starlark.Value
	maxsize int
	own     *table // the cache while the function is not frozen
	frozen  bool
}

// table is one cache: results by argument key, oldest first, and counts.
type table struct {
	d            *starlark.Dict
	hits, misses int
}

var (
	_ starlark.Callable = (*Cached)(nil)
	_ starlark.HasAttrs = (*Cached)(nil)
)

func newCached(fn starlark.Value, maxsize int) *Cached {
	return &Cached{fn: fn, maxsize: maxsize, own: &table{d: starlark.NewDict(0)}}
}

func (c *Cached) Name() string {
	if f, ok := c.fn.(starlark.Callable); ok {
		return f.Name()
	}
	return "cached"
}
func (c *Cached) String() string        { return "<functools._lru_cache_wrapper " + c.Name() + ">" }
func (c *Cached) Type() string          { return "function" }
func (c *Cached) Truth() starlark.Bool  { return true }
func (c *Cached) Hash() (uint32, error) { return starlark.String(c.Name()).Hash() }
func (c *Cached) Freeze() {
	if !c.frozen {
		c.frozen = true
		c.fn.Freeze()
	}
}

// table returns the cache for calls on thread: the function's own until it
// is frozen, then one per thread, created on first use.
func (c *Cached) table(thread *starlark.Thread) *table {
	if !c.frozen {
		return c.own
	}
	key := fmt.Sprintf("latm.functools.cache.%p", c)
	if t, ok := thread.Local(key).(*table); ok {
		return t
	}
	t := &table{d: starlark.NewDict(0)}
	thread.SetLocal(key, t)
	return t
}

// kwMark separates positional from keyword arguments in a cache key.
var kwMark = starlark.String("\x00kw")

func (c *Cached) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	key := append(starlark.Tuple(nil), args...)
	if len(kwargs) > 0 {
		key = append(key, kwMark)
		for _, kv := range kwargs {
			key = append(key, kv[0], kv[1])
		}
	}
	if _, err := key.Hash(); err != nil {
		return nil, fmt.Errorf("%s: a cached function's arguments must be hashable: %w", c.Name(), err)
	}
	t := c.table(thread)
	tab := t.d
	if c.maxsize == 0 {
		t.misses++
		return starlark.Call(thread, c.fn, args, kwargs)
	}
	if v, found, err := tab.Get(key); err != nil {
		return nil, err
	} else if found {
		t.hits++
		if c.maxsize > 0 {
			// Move the entry to the most recently used end.
			if _, _, err := tab.Delete(key); err != nil {
				return nil, err
			}
			if err := tab.SetKey(key, v); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	t.misses++
	v, err := starlark.Call(thread, c.fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	if c.maxsize > 0 && tab.Len() >= c.maxsize {
		oldest := tab.Keys()[0]
		if _, _, err := tab.Delete(oldest); err != nil {
			return nil, err
		}
	}
	if err := tab.SetKey(key, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (c *Cached) Attr(name string) (starlark.Value, error) {
	switch name {
	case "__wrapped__":
		return c.fn, nil
	case "cache_clear":
		return starlark.NewBuiltin(c.Name()+".cache_clear", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs("cache_clear", args, kwargs, 0); err != nil {
				return nil, err
			}
			t := c.table(thread)
			t.hits, t.misses = 0, 0
			return starlark.None, t.d.Clear()
		}), nil
	case "cache_info":
		return starlark.NewBuiltin(c.Name()+".cache_info", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs("cache_info", args, kwargs, 0); err != nil {
				return nil, err
			}
			var maxsize starlark.Value = starlark.None
			if c.maxsize >= 0 {
				maxsize = starlark.MakeInt(c.maxsize)
			}
			t := c.table(thread)
			return starlark.Tuple{starlark.MakeInt(t.hits), starlark.MakeInt(t.misses), maxsize, starlark.MakeInt(t.d.Len())}, nil
		}), nil
	}
	return nil, nil
}

func (c *Cached) AttrNames() []string { return []string{"__wrapped__", "cache_clear", "cache_info"} }

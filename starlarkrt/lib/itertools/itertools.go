// Package itertools is the itertools module of latm's Starlark runtime:
// Python's itertools, lazily where Python is lazy.
package itertools

import (
	"fmt"

	"github.com/latm/latm/starlarkrt/internal/callstate"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// itertoolsModule is a subset of Python's itertools.
//
// permutations, combinations, combinations_with_replacement, product,
// count, cycle, repeat, chain and islice return lazy iterables that
// charge one step per element produced, so a loop over permutations of 12
// elements stops at the step limit instead of allocating them all. Unlike
// Python's one-shot iterators they can be iterated again (each time from
// the start) and have no len(). accumulate, groupby, zip_longest,
// pairwise, starmap, takewhile, dropwhile, filterfalse and compress return
// lists; groupby returns a list of (key, list) pairs, so its groups are
// lists rather than iterators.
var Module = newModule()

func newModule() *starlarkstruct.Module {
	m := starlark.StringDict{}
	add := func(name string, fn callstate.Builtin) { m[name] = starlark.NewBuiltin("itertools."+name, fn) }
	add("permutations", itPermutations)
	add("combinations", itCombinations(false))
	add("combinations_with_replacement", itCombinations(true))
	add("product", itProduct)
	add("count", itCount)
	add("cycle", itCycle)
	add("repeat", itRepeat)
	add("islice", itIslice)
	add("accumulate", itAccumulate)
	add("groupby", itGroupby)
	add("zip_longest", itZipLongest)
	add("pairwise", itPairwise)
	add("starmap", itStarmap)
	add("takewhile", itWhile(true))
	add("dropwhile", itWhile(false))
	add("filterfalse", itFilterfalse)
	add("compress", itCompress)
	m["chain"] = &callstate.BuiltinWithAttrs{
		Builtin: starlark.NewBuiltin("itertools.chain", itChain),
		Attrs: starlark.StringDict{
			"from_iterable": starlark.NewBuiltin("itertools.chain.from_iterable", itChainFromIterable),
		},
	}
	return &starlarkstruct.Module{Name: "itertools", Members: m}
}

// lazyIterable is an iterable whose elements are computed on demand. Each
// element produced charges one step to the thread that created it.
type lazyIterable struct {
	name   string
	thread *starlark.Thread
	// start returns a fresh generator: each call yields the next element,
	// or false at the end.
	start func() func() (starlark.Value, bool)
}

var _ starlark.Iterable = (*lazyIterable)(nil)

func (l *lazyIterable) String() string        { return "<itertools." + l.name + " object>" }
func (l *lazyIterable) Type() string          { return "itertools." + l.name }
func (l *lazyIterable) Freeze()               {}
func (l *lazyIterable) Truth() starlark.Bool  { return true }
func (l *lazyIterable) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", l.Type()) }

// Iterate starts the iteration from the first element.
func (l *lazyIterable) Iterate() starlark.Iterator {
	return &lazyIterator{l: l, next: l.start()}
}

type lazyIterator struct {
	l    *lazyIterable
	next func() (starlark.Value, bool)
	done bool
}

// Next produces the next element. Once the step limit is passed it ends
// the iteration; the interpreter then stops with the limit error.
func (it *lazyIterator) Next(p *starlark.Value) bool {
	if it.done {
		return false
	}
	if err := callstate.ChargeSteps(it.l.thread, 1); err != nil {
		it.done = true
		it.l.thread.Cancel(err.Error())
		return false
	}
	v, ok := it.next()
	if !ok {
		it.done = true
		return false
	}
	*p = v
	return true
}

func (it *lazyIterator) Done() {}

func lazy(thread *starlark.Thread, name string, start func() func() (starlark.Value, bool)) *lazyIterable {
	return &lazyIterable{name: name, thread: thread, start: start}
}

// optLen unpacks an optional non-negative length r (None: n).
func optLen(fname string, v starlark.Value, n int) (int, error) {
	if v == nil || v == starlark.None {
		return n, nil
	}
	var r int
	if err := starlark.AsInt(v, &r); err != nil {
		return 0, fmt.Errorf("%s: r must be an int, got %s", fname, v.Type())
	}
	if r < 0 {
		return 0, fmt.Errorf("%s: r must be non-negative, got %d", fname, r)
	}
	return r, nil
}

func pick(pool []starlark.Value, idx []int) starlark.Tuple {
	t := make(starlark.Tuple, len(idx))
	for i, j := range idx {
		t[i] = pool[j]
	}
	return t
}

// itPermutations is permutations(iterable, r=None), in Python's order.
func itPermutations(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it, rv starlark.Value
	if err := starlark.UnpackArgs("permutations", args, kwargs, "iterable", &it, "r?", &rv); err != nil {
		return nil, err
	}
	pool, err := callstate.Collect(thread, "permutations", it)
	if err != nil {
		return nil, err
	}
	n := len(pool)
	r, err := optLen("permutations", rv, n)
	if err != nil {
		return nil, err
	}
	return lazy(thread, "permutations", func() func() (starlark.Value, bool) {
		indices := make([]int, n)
		for i := range indices {
			indices[i] = i
		}
		cycles := make([]int, r)
		for i := range cycles {
			cycles[i] = n - i
		}
		first, finished := true, r > n
		return func() (starlark.Value, bool) {
			if finished {
				return nil, false
			}
			if first {
				first = false
				return pick(pool, indices[:r]), true
			}
			for i := r - 1; i >= 0; i-- {
				cycles[i]--
				if cycles[i] == 0 {
					x := indices[i]
					copy(indices[i:], indices[i+1:])
					indices[n-1] = x
					cycles[i] = n - i
					continue
				}
				j := cycles[i]
				indices[i], indices[n-j] = indices[n-j], indices[i]
				return pick(pool, indices[:r]), true
			}
			finished = true
			return nil, false
		}
	}), nil
}

// itCombinations is combinations(iterable, r) or, with repl,
// combinations_with_replacement(iterable, r), in Python's order.
func itCombinations(repl bool) callstate.Builtin {
	name := "combinations"
	if repl {
		name = "combinations_with_replacement"
	}
	return func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var it, rv starlark.Value
		if err := starlark.UnpackArgs(name, args, kwargs, "iterable", &it, "r", &rv); err != nil {
			return nil, err
		}
		pool, err := callstate.Collect(thread, name, it)
		if err != nil {
			return nil, err
		}
		n := len(pool)
		r, err := optLen(name, rv, n)
		if err != nil {
			return nil, err
		}
		return lazy(thread, name, func() func() (starlark.Value, bool) {
			indices := make([]int, r)
			if !repl {
				for i := range indices {
					indices[i] = i
				}
			}
			first := true
			finished := (!repl && r > n) || (repl && n == 0 && r > 0)
			return func() (starlark.Value, bool) {
				if finished {
					return nil, false
				}
				if first {
					first = false
					return pick(pool, indices), true
				}
				i := r - 1
				for ; i >= 0; i-- {
					if repl && indices[i] != n-1 || !repl && indices[i] != i+n-r {
						break
					}
				}
				if i < 0 {
					finished = true
					return nil, false
				}
				if repl {
					v := indices[i] + 1
					for j := i; j < r; j++ {
						indices[j] = v
					}
				} else {
					indices[i]++
					for j := i + 1; j < r; j++ {
						indices[j] = indices[j-1] + 1
					}
				}
				return pick(pool, indices), true
			}
		}), nil
	}
}

// itProduct is product(*iterables, repeat=1), in Python's order.
func itProduct(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	repeat := 1
	if err := starlark.UnpackArgs("product", nil, kwargs, "repeat?", &repeat); err != nil {
		return nil, err
	}
	if repeat < 0 {
		return nil, fmt.Errorf("product: repeat must be non-negative, got %d", repeat)
	}
	var pools [][]starlark.Value
	for _, a := range args {
		p, err := callstate.Collect(thread, "product", a)
		if err != nil {
			return nil, err
		}
		pools = append(pools, p)
	}
	all := make([][]starlark.Value, 0, len(pools)*repeat)
	for range repeat {
		all = append(all, pools...)
	}
	return lazy(thread, "product", func() func() (starlark.Value, bool) {
		idx := make([]int, len(all))
		first, finished := true, false
		for _, p := range all {
			if len(p) == 0 {
				finished = true
			}
		}
		return func() (starlark.Value, bool) {
			if finished {
				return nil, false
			}
			if !first {
				i := len(all) - 1
				for ; i >= 0; i-- {
					idx[i]++
					if idx[i] < len(all[i]) {
						break
					}
					idx[i] = 0
				}
				if i < 0 {
					finished = true
					return nil, false
				}
			}
			first = false
			t := make(starlark.Tuple, len(all))
			for i, p := range all {
				t[i] = p[idx[i]]
			}
			return t, true
		}
	}), nil
}

// itCount is count(start=0, step=1): endless, bounded by the step limit.
func itCount(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var start, step starlark.Value = starlark.MakeInt(0), starlark.MakeInt(1)
	if err := starlark.UnpackArgs("count", args, kwargs, "start?", &start, "step?", &step); err != nil {
		return nil, err
	}
	if _, err := starlark.Binary(syntax.PLUS, start, step); err != nil {
		return nil, fmt.Errorf("count: start and step must be numbers: %w", err)
	}
	return lazy(thread, "count", func() func() (starlark.Value, bool) {
		cur := start
		return func() (starlark.Value, bool) {
			v := cur
			cur, _ = starlark.Binary(syntax.PLUS, cur, step)
			return v, true
		}
	}), nil
}

// itCycle is cycle(iterable): endless, bounded by the step limit.
func itCycle(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Value
	if err := starlark.UnpackPositionalArgs("cycle", args, kwargs, 1, &it); err != nil {
		return nil, err
	}
	pool, err := callstate.Collect(thread, "cycle", it)
	if err != nil {
		return nil, err
	}
	return lazy(thread, "cycle", func() func() (starlark.Value, bool) {
		i := 0
		return func() (starlark.Value, bool) {
			if len(pool) == 0 {
				return nil, false
			}
			v := pool[i%len(pool)]
			i++
			return v, true
		}
	}), nil
}

// itRepeat is repeat(object, times=None): endless without times.
func itRepeat(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj, times starlark.Value
	if err := starlark.UnpackArgs("repeat", args, kwargs, "object", &obj, "times?", &times); err != nil {
		return nil, err
	}
	n := -1
	if times != nil && times != starlark.None {
		if err := starlark.AsInt(times, &n); err != nil {
			return nil, fmt.Errorf("repeat: times must be an int, got %s", times.Type())
		}
		n = max(n, 0)
	}
	return lazy(thread, "repeat", func() func() (starlark.Value, bool) {
		left := n
		return func() (starlark.Value, bool) {
			if left == 0 {
				return nil, false
			}
			left--
			return obj, true
		}
	}), nil
}

// iterOf returns an iterator over v (strings give characters).
func iterOf(fname string, v starlark.Value) (starlark.Iterator, error) {
	if s, ok := v.(starlark.String); ok {
		v = callstate.Chars(string(s))
	}
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want an iterable (list, tuple, string, range, dict, set)", fname, v.Type())
	}
	return it.Iterate(), nil
}

// itChain is chain(*iterables).
func itChain(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("chain: unexpected keyword arguments")
	}
	return chainOf(thread, "chain", args)
}

// itChainFromIterable is chain.from_iterable(iterable of iterables).
func itChainFromIterable(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Value
	if err := starlark.UnpackPositionalArgs("chain.from_iterable", args, kwargs, 1, &it); err != nil {
		return nil, err
	}
	parts, err := callstate.Collect(thread, "chain.from_iterable", it)
	if err != nil {
		return nil, err
	}
	return chainOf(thread, "chain", parts)
}

func chainOf(thread *starlark.Thread, name string, parts []starlark.Value) (starlark.Value, error) {
	for _, p := range parts {
		if _, err := iterOf(name, p); err != nil {
			return nil, err
		}
	}
	return lazy(thread, name, func() func() (starlark.Value, bool) {
		i := 0
		var cur starlark.Iterator
		return func() (starlark.Value, bool) {
			for i < len(parts) {
				if cur == nil {
					cur, _ = iterOf(name, parts[i])
				}
				var v starlark.Value
				if cur.Next(&v) {
					return v, true
				}
				cur.Done()
				cur = nil
				i++
			}
			return nil, false
		}
	}), nil
}

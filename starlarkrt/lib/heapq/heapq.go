// Package heapq is Python's heapq module for latm's sandbox: heappush,
// heappop, heapify, heappushpop, heapreplace, nlargest, nsmallest and
// merge, on lists, with CPython's algorithms, so that a heap printed after
// any sequence of operations shows the same order as under CPython. Each
// comparison charges one step. merge returns a list rather than an
// iterator.
package heapq

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the heapq module.
var Module = &starlarkstruct.Module{
	Name: "heapq",
	Members: starlark.StringDict{
		"heappush":    starlark.NewBuiltin("heappush", heappush),
		"heappop":     starlark.NewBuiltin("heappop", heappop),
		"heapify":     starlark.NewBuiltin("heapify", heapify),
		"heappushpop": starlark.NewBuiltin("heappushpop", heappushpop),
		"heapreplace": starlark.NewBuiltin("heapreplace", heapreplace),
		"nlargest":    starlark.NewBuiltin("nlargest", nselect(true)),
		"nsmallest":   starlark.NewBuiltin("nsmallest", nselect(false)),
		"merge":       starlark.NewBuiltin("merge", merge),
	},
}

// less is a < b, charging one step.
func less(thread *starlark.Thread, a, b starlark.Value) (bool, error) {
	if err := callstate.ChargeSteps(thread, 1); err != nil {
		return false, err
	}
	return starlark.Compare(syntax.LT, a, b)
}

// heap is a list viewed as a binary min-heap.
type heap struct {
	thread *starlark.Thread
	l      *starlark.List
}

func (h heap) set(i int, v starlark.Value) error { return h.l.SetIndex(i, v) }

// siftdown is CPython's _siftdown: move the item at pos up towards start.
func (h heap) siftdown(start, pos int) error {
	item := h.l.Index(pos)
	for pos > start {
		parentpos := (pos - 1) >> 1
		parent := h.l.Index(parentpos)
		lt, err := less(h.thread, item, parent)
		if err != nil {
			return err
		}
		if !lt {
			break
		}
		if err := h.set(pos, parent); err != nil {
			return err
		}
		pos = parentpos
	}
	return h.set(pos, item)
}

// siftup is CPython's _siftup: move the smaller child up until a leaf,
// then sift the item down into place.
func (h heap) siftup(pos int) error {
	end := h.l.Len()
	start := pos
	item := h.l.Index(pos)
	child := 2*pos + 1
	for child < end {
		right := child + 1
		if right < end {
			lt, err := less(h.thread, h.l.Index(child), h.l.Index(right))
			if err != nil {
				return err
			}
			if !lt {
				child = right
			}
		}
		if err := h.set(pos, h.l.Index(child)); err != nil {
			return err
		}
		pos = child
		child = 2*pos + 1
	}
	if err := h.set(pos, item); err != nil {
		return err
	}
	return h.siftdown(start, pos)
}

func listArg(fname string, v starlark.Value) (*starlark.List, error) {
	l, ok := v.(*starlark.List)
	if !ok {
		return nil, fmt.Errorf("%s: heap argument must be a list, not %s", fname, v.Type())
	}
	return l, nil
}

// pop removes and returns the last element of l.
func pop(thread *starlark.Thread, l *starlark.List) (starlark.Value, error) {
	m, err := l.Attr("pop")
	if err != nil {
		return nil, err
	}
	return starlark.Call(thread, m, nil, nil)
}

func heappush(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hv, item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &hv, &item); err != nil {
		return nil, err
	}
	l, err := listArg(b.Name(), hv)
	if err != nil {
		return nil, err
	}
	if err := l.Append(item); err != nil {
		return nil, err
	}
	return starlark.None, heap{thread, l}.siftdown(0, l.Len()-1)
}

func heappop(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hv starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &hv); err != nil {
		return nil, err
	}
	l, err := listArg(b.Name(), hv)
	if err != nil {
		return nil, err
	}
	if l.Len() == 0 {
		return nil, fmt.Errorf("index out of range")
	}
	last, err := pop(thread, l)
	if err != nil {
		return nil, err
	}
	if l.Len() == 0 {
		return last, nil
	}
	top := l.Index(0)
	if err := l.SetIndex(0, last); err != nil {
		return nil, err
	}
	return top, heap{thread, l}.siftup(0)
}

func heapify(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hv starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &hv); err != nil {
		return nil, err
	}
	l, err := listArg(b.Name(), hv)
	if err != nil {
		return nil, err
	}
	h := heap{thread, l}
	for i := l.Len()/2 - 1; i >= 0; i-- {
		if err := h.siftup(i); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// heappushpop pushes item then pops the smallest, faster than the two.
func heappushpop(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hv, item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &hv, &item); err != nil {
		return nil, err
	}
	l, err := listArg(b.Name(), hv)
	if err != nil {
		return nil, err
	}
	if l.Len() == 0 {
		return item, nil
	}
	lt, err := less(thread, l.Index(0), item)
	if err != nil || !lt {
		return item, err
	}
	top := l.Index(0)
	if err := l.SetIndex(0, item); err != nil {
		return nil, err
	}
	return top, heap{thread, l}.siftup(0)
}

// heapreplace pops the smallest then pushes item.
func heapreplace(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var hv, item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &hv, &item); err != nil {
		return nil, err
	}
	l, err := listArg(b.Name(), hv)
	if err != nil {
		return nil, err
	}
	if l.Len() == 0 {
		return nil, fmt.Errorf("index out of range")
	}
	top := l.Index(0)
	if err := l.SetIndex(0, item); err != nil {
		return nil, err
	}
	return top, heap{thread, l}.siftup(0)
}

// keyed is an element with its sort key.
type keyed struct{ key, val starlark.Value }

// keysOf collects an iterable with each element's key (the element itself
// when key is None).
func keysOf(thread *starlark.Thread, fname string, it, key starlark.Value) ([]keyed, error) {
	var out []keyed
	err := callstate.Iterate(thread, fname, it, func(x starlark.Value) error {
		k := x
		if key != nil && key != starlark.None {
			var err error
			if k, err = starlark.Call(thread, key, starlark.Tuple{x}, nil); err != nil {
				return err
			}
		}
		out = append(out, keyed{k, x})
		return nil
	})
	return out, err
}

// stableSort sorts xs by key (descending if rev), keeping equal elements in
// their order, charging one step per comparison.
func stableSort(thread *starlark.Thread, xs []keyed, rev bool) error {
	var err error
	sort.SliceStable(xs, func(i, j int) bool {
		if err != nil {
			return false
		}
		a, b := xs[i].key, xs[j].key
		if rev {
			a, b = b, a
		}
		lt, e := less(thread, a, b)
		if e != nil {
			err = e
		}
		return lt
	})
	return err
}

// nselect is nlargest(n, iterable, key=None) or nsmallest, which CPython
// documents as sorted(iterable, key=key, reverse=largest)[:n].
func nselect(largest bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var n int
		var it, key starlark.Value = nil, starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "iterable", &it, "key?", &key); err != nil {
			return nil, err
		}
		xs, err := keysOf(thread, b.Name(), it, key)
		if err != nil {
			return nil, err
		}
		if err := stableSort(thread, xs, largest); err != nil {
			return nil, err
		}
		n = min(max(n, 0), len(xs))
		out := make([]starlark.Value, n)
		for i := range out {
			out[i] = xs[i].val
		}
		return starlark.NewList(out), nil
	}
}

// merge is merge(*iterables, key=None, reverse=False), as a list: the
// inputs, each assumed sorted, merged stably (ties from earlier inputs
// first).
func merge(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var key starlark.Value = starlark.None
	reverse := false
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "key?", &key, "reverse?", &reverse); err != nil {
		return nil, err
	}
	lists := make([][]keyed, len(args))
	for i, a := range args {
		xs, err := keysOf(thread, b.Name(), a, key)
		if err != nil {
			return nil, err
		}
		lists[i] = xs
	}
	pos := make([]int, len(lists))
	var out []starlark.Value
	for {
		best := -1
		for i, xs := range lists {
			if pos[i] >= len(xs) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			a, c := xs[pos[i]].key, lists[best][pos[best]].key
			if reverse {
				a, c = c, a
			}
			lt, err := less(thread, a, c)
			if err != nil {
				return nil, err
			}
			if lt {
				best = i
			}
		}
		if best < 0 {
			return starlark.NewList(out), nil
		}
		out = append(out, lists[best][pos[best]].val)
		pos[best]++
	}
}

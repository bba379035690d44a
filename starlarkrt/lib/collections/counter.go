package collections

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Counter is collections.Counter: a dict from elements to counts in which
// a missing element counts 0 (c["x"] is 0 and inserts nothing, "x" in c is
// False).
type Counter struct {
	d *starlark.Dict
	owner
}

var (
	_ starlark.IterableMapping = (*Counter)(nil)
	_ starlark.HasSetKey       = (*Counter)(nil)
	_ starlark.Container       = (*Counter)(nil)
	_ starlark.Sequence        = (*Counter)(nil)
	_ starlark.HasAttrs        = (*Counter)(nil)
	_ starlark.HasBinary       = (*Counter)(nil)
	_ starlark.HasUnary        = (*Counter)(nil)
	_ starlark.Comparable      = (*Counter)(nil)
)

var zero = starlark.MakeInt(0)

func (c *Counter) Type() string          { return "Counter" }
func (c *Counter) Freeze()               { c.frozen = true; c.d.Freeze() }
func (c *Counter) Truth() starlark.Bool  { return c.d.Len() > 0 }
func (c *Counter) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: Counter") }
func (c *Counter) Len() int              { return c.d.Len() }
func (c *Counter) Iterate() starlark.Iterator {
	return c.d.Iterate()
}
func (c *Counter) Items() []starlark.Tuple { return c.d.Items() }

// Dict returns the counts as a dict (shared, not copied).
func (c *Counter) Dict() *starlark.Dict { return c.d }

// String renders the Counter as CPython does, most common first.
func (c *Counter) String() string {
	if c.d.Len() == 0 {
		return "Counter()"
	}
	items := c.d.Items()
	if sorted, err := byCount(items); err == nil {
		items = sorted
	}
	var b strings.Builder
	b.WriteString("Counter({")
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it[0].String())
		b.WriteString(": ")
		b.WriteString(it[1].String())
	}
	b.WriteString("})")
	return b.String()
}

// Get is c[k]: the count of k, 0 if k is missing.
func (c *Counter) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, found, err := c.d.Get(k)
	if err != nil {
		return nil, false, err
	}
	if !found {
		return zero, true, nil
	}
	return v, true, nil
}

// Has is k in c: whether k has an entry (of any count).
func (c *Counter) Has(k starlark.Value) (bool, error) {
	_, found, err := c.d.Get(k)
	return found, err
}

// SetKey is c[k] = v.
func (c *Counter) SetKey(k, v starlark.Value) error { return c.d.SetKey(k, v) }

// count returns c[k], 0 if missing.
func (c *Counter) count(k starlark.Value) starlark.Value {
	v, found, _ := c.d.Get(k)
	if !found {
		return zero
	}
	return v
}

var counterMethods = map[string]method{
	"most_common": counterMostCommon,
	"elements":    counterElements,
	"update":      counterUpdateMethod(false),
	"subtract":    counterUpdateMethod(true),
	"total":       counterTotal,
	"copy":        counterCopy,
}

// dictMethods are the dict methods a Counter or defaultdict inherits.
var dictMethods = []string{"clear", "get", "items", "keys", "pop", "popitem", "setdefault", "values"}

func (c *Counter) Attr(name string) (starlark.Value, error) {
	if m, ok := counterMethods[name]; ok {
		return bind("Counter", name, m, c), nil
	}
	for _, n := range dictMethods {
		if n == name {
			return c.d.Attr(name)
		}
	}
	return nil, nil
}

func (c *Counter) AttrNames() []string { return methodNames(counterMethods, dictMethods...) }

// newCounter is Counter(iterable_or_mapping=None, **kwargs).
func newCounter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 1 {
		return nil, fmt.Errorf("Counter: expected at most 1 argument, got %d", len(args))
	}
	c := &Counter{d: starlark.NewDict(0), owner: owner{thread: thread}}
	if err := c.update(thread, "Counter", args, kwargs, false); err != nil {
		return nil, err
	}
	return c, nil
}

// update adds (or, with sub, subtracts) the counts of an iterable of
// elements or a mapping of counts, then of kwargs, as Counter.update and
// Counter.subtract do.
func (c *Counter) update(thread *starlark.Thread, fname string, args starlark.Tuple, kwargs []starlark.Tuple, sub bool) error {
	c.use(thread)
	op := syntax.PLUS
	if sub {
		op = syntax.MINUS
	}
	add := func(k, n starlark.Value) error {
		old, found, err := c.d.Get(k)
		if err != nil {
			return err
		}
		if !found {
			old = zero
		}
		v, err := starlark.Binary(op, old, n)
		if err != nil {
			return fmt.Errorf("%s: %w", fname, err)
		}
		return c.d.SetKey(k, v)
	}
	if len(args) > 0 && args[0] != starlark.None {
		if m, ok := args[0].(starlark.IterableMapping); ok {
			// CPython copies a mapping's counts into an empty Counter
			// rather than adding them to zero, so any value is kept.
			empty := c.d.Len() == 0 && !sub
			for _, it := range m.Items() {
				if err := callstate.ChargeSteps(thread, 1); err != nil {
					return err
				}
				var err error
				if empty {
					err = c.d.SetKey(it[0], it[1])
				} else {
					err = add(it[0], it[1])
				}
				if err != nil {
					return err
				}
			}
		} else {
			one := starlark.MakeInt(1)
			err := callstate.Iterate(thread, fname, args[0], func(x starlark.Value) error { return add(x, one) })
			if err != nil {
				return err
			}
		}
	}
	for _, kv := range kwargs {
		if err := add(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

func counterUpdateMethod(sub bool) method {
	name := "update"
	if sub {
		name = "subtract"
	}
	return func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 1 {
			return nil, fmt.Errorf("Counter.%s: expected at most 1 argument, got %d", name, len(args))
		}
		return starlark.None, recv.(*Counter).update(thread, "Counter."+name, args, kwargs, sub)
	}
}

// byCount returns items sorted by count, largest first, ties in insertion
// order: CPython's sorted(items, key=itemgetter(1), reverse=True).
func byCount(items []starlark.Tuple) ([]starlark.Tuple, error) {
	out := append([]starlark.Tuple(nil), items...)
	var err error
	sort.SliceStable(out, func(i, j int) bool {
		if err != nil {
			return false
		}
		lt, e := starlark.Compare(syntax.GT, out[i][1], out[j][1])
		if e != nil {
			err = e
		}
		return lt
	})
	return out, err
}

// counterMostCommon is Counter.most_common(n=None).
func counterMostCommon(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var nv starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs("Counter.most_common", args, kwargs, 0, &nv); err != nil {
		return nil, err
	}
	c := recv.(*Counter)
	c.use(thread)
	items := c.d.Items()
	if err := callstate.ChargeSteps(thread, sortCost(len(items))); err != nil {
		return nil, err
	}
	sorted, err := byCount(items)
	if err != nil {
		return nil, fmt.Errorf("Counter.most_common: %w", err)
	}
	if nv != starlark.None {
		var n int
		if err := starlark.AsInt(nv, &n); err != nil {
			return nil, fmt.Errorf("Counter.most_common: n must be an int or None, got %s", nv.Type())
		}
		n = max(n, 0)
		if n < len(sorted) {
			sorted = sorted[:n]
		}
	}
	out := make([]starlark.Value, len(sorted))
	for i, t := range sorted {
		out[i] = t
	}
	return starlark.NewList(out), nil
}

// sortCost is the steps charged for sorting n values: n·log2(n)+1.
func sortCost(n int) uint64 {
	cost := uint64(1)
	for m := n; m > 1; m >>= 1 {
		cost += uint64(n)
	}
	return cost
}

// counterElements is Counter.elements(): each element repeated by its
// count (counts below one are skipped), as a list.
func counterElements(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("Counter.elements", args, kwargs, 0); err != nil {
		return nil, err
	}
	c := recv.(*Counter)
	c.use(thread)
	var out []starlark.Value
	for _, it := range c.d.Items() {
		n, ok := it[1].(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("Counter.elements: count of %s is a %s, want int", it[0], it[1].Type())
		}
		k, ok := n.Int64()
		if !ok && n.Sign() > 0 {
			return nil, fmt.Errorf("Counter.elements: count of %s is too large", it[0])
		}
		if k <= 0 {
			continue
		}
		if err := callstate.ChargeAlloc(thread, callstate.Mul(k, 16)); err != nil {
			return nil, err
		}
		if err := callstate.ChargeSteps(thread, uint64(k)); err != nil {
			return nil, err
		}
		for range k {
			out = append(out, it[0])
		}
	}
	return starlark.NewList(out), nil
}

// counterTotal is Counter.total(): the sum of the counts.
func counterTotal(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("Counter.total", args, kwargs, 0); err != nil {
		return nil, err
	}
	var sum starlark.Value = zero
	for _, it := range recv.(*Counter).d.Items() {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		var err error
		if sum, err = starlark.Binary(syntax.PLUS, sum, it[1]); err != nil {
			return nil, fmt.Errorf("Counter.total: %w", err)
		}
	}
	return sum, nil
}

func counterCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("Counter.copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	return recv.(*Counter).clone(thread)
}

// clone returns a new Counter with the same counts.
func (c *Counter) clone(thread *starlark.Thread) (*Counter, error) {
	out := &Counter{d: starlark.NewDict(c.d.Len()), owner: owner{thread: thread}}
	for _, it := range c.d.Items() {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		if err := out.d.SetKey(it[0], it[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// positive reports whether count > 0.
func positive(v starlark.Value) (bool, error) {
	return starlark.Compare(syntax.GT, v, zero)
}

// Binary implements c + d, c - d, c & d and c | d between Counters, in
// CPython's order: the left operand's elements first, then the right's.
func (c *Counter) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	o, ok := y.(*Counter)
	if !ok {
		return nil, nil
	}
	x := c
	if side == starlark.Right {
		x, o = o, c
	}
	out := &Counter{d: starlark.NewDict(0), owner: owner{thread: c.current()}}
	put := func(k, v starlark.Value) error {
		pos, err := positive(v)
		if err != nil || !pos {
			return err
		}
		return out.d.SetKey(k, v)
	}
	var combine func(a, b starlark.Value) (starlark.Value, error)
	switch op {
	case syntax.PLUS, syntax.MINUS:
		combine = func(a, b starlark.Value) (starlark.Value, error) { return starlark.Binary(op, a, b) }
	case syntax.PIPE, syntax.AMP:
		combine = func(a, b starlark.Value) (starlark.Value, error) {
			lt, err := starlark.Compare(syntax.LT, a, b)
			if err != nil {
				return nil, err
			}
			if lt == (op == syntax.PIPE) {
				return b, nil
			}
			return a, nil
		}
	default:
		return nil, nil
	}
	for _, it := range x.d.Items() {
		if err := c.charge(1); err != nil {
			return nil, err
		}
		v, err := combine(it[1], o.count(it[0]))
		if err != nil {
			return nil, err
		}
		if err := put(it[0], v); err != nil {
			return nil, err
		}
	}
	if op == syntax.AMP {
		return out, nil
	}
	for _, it := range o.d.Items() {
		if err := c.charge(1); err != nil {
			return nil, err
		}
		if in, _ := x.Has(it[0]); in {
			continue
		}
		v := it[1]
		if op == syntax.MINUS {
			var err error
			if v, err = starlark.Binary(syntax.MINUS, zero, v); err != nil {
				return nil, err
			}
		}
		if err := put(it[0], v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Unary implements +c (the positive counts) and -c (the negated negative
// counts).
func (c *Counter) Unary(op syntax.Token) (starlark.Value, error) {
	if op != syntax.PLUS && op != syntax.MINUS {
		return nil, nil
	}
	return c.Binary(op, &Counter{d: starlark.NewDict(0)}, starlark.Right)
}

// CompareSameType compares two Counters as CPython 3.10+ does: a missing
// element counts 0, and <, <=, >, >= are multiset inclusions.
func (c *Counter) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o, ok := y.(*Counter)
	if !ok {
		return unlike(op)
	}
	all := func(rel syntax.Token) (bool, error) {
		for _, pair := range [2][2]*Counter{{c, o}, {o, c}} {
			for _, k := range pair[0].d.Keys() {
				if err := c.charge(1); err != nil {
					return false, err
				}
				ok, err := starlark.CompareDepth(rel, c.count(k), o.count(k), depth-1)
				if err != nil || !ok {
					return false, err
				}
			}
		}
		return true, nil
	}
	switch op {
	case syntax.EQL:
		return all(syntax.EQL)
	case syntax.NEQ:
		eq, err := all(syntax.EQL)
		return !eq, err
	case syntax.LE, syntax.GE:
		return all(op)
	case syntax.LT, syntax.GT:
		rel := syntax.LE
		if op == syntax.GT {
			rel = syntax.GE
		}
		ok, err := all(rel)
		if err != nil || !ok {
			return false, err
		}
		eq, err := all(syntax.EQL)
		return !eq, err
	}
	return false, fmt.Errorf("Counter %s Counter not supported", op)
}

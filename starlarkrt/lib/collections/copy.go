package collections

import (
	"go.starlark.net/starlark"
)

// CopyWith methods let copy.copy and copy.deepcopy copy these types (see
// starlarkrt/lib/copy.Copyable): each makes an empty value of its kind,
// reports it through made, then fills it with elem of each element.

func (c *Counter) CopyWith(thread *starlark.Thread, made func(starlark.Value), elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	out := &Counter{d: starlark.NewDict(c.d.Len()), owner: owner{thread: thread}}
	made(out)
	return out, copyItems(c.d, out.d, elem)
}

func (dd *DefaultDict) CopyWith(thread *starlark.Thread, made func(starlark.Value), elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	out := &DefaultDict{d: starlark.NewDict(dd.d.Len()), factory: dd.factory, owner: owner{thread: thread}}
	made(out)
	return out, copyItems(dd.d, out.d, elem)
}

func copyItems(from, to *starlark.Dict, elem func(starlark.Value) (starlark.Value, error)) error {
	for _, it := range from.Items() {
		k, err := elem(it[0])
		if err != nil {
			return err
		}
		v, err := elem(it[1])
		if err != nil {
			return err
		}
		if err := to.SetKey(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (q *Deque) CopyWith(thread *starlark.Thread, made func(starlark.Value), elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	out := &Deque{maxlen: q.maxlen, owner: owner{thread: thread}}
	made(out)
	for _, x := range q.elems() {
		v, err := elem(x)
		if err != nil {
			return nil, err
		}
		out.pushBack(v)
	}
	return out, nil
}

func (p *NamedTuple) CopyWith(thread *starlark.Thread, made func(starlark.Value), elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	vals := make(starlark.Tuple, len(p.vals))
	for i, x := range p.vals {
		var err error
		if vals[i], err = elem(x); err != nil {
			return nil, err
		}
	}
	out := &NamedTuple{typ: p.typ, vals: vals}
	made(out)
	return out, nil
}

// JSONValue methods give the plain value a result converts to JSON as (a
// tool that returns a Counter returns its counts): a dict for Counter and
// defaultdict, a list for deque, a tuple for namedtuple.

func (c *Counter) JSONValue() starlark.Value      { return c.d }
func (dd *DefaultDict) JSONValue() starlark.Value { return dd.d }
func (q *Deque) JSONValue() starlark.Value        { return starlark.NewList(q.elems()) }
func (p *NamedTuple) JSONValue() starlark.Value   { return p.vals }

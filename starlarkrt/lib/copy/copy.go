// Package copy is Python's copy module for latm's sandbox: copy (shallow)
// and deepcopy, which copies cycles and shared references as CPython does
// (a value reached twice is copied once). Copies are never frozen, so a
// tool may copy a global constant and change the copy.
//
// Values of other Go types take part by implementing Copyable; values that
// cannot change (numbers, strings, functions, modules) are returned as
// they are, and anything else is an error rather than a silent share.
package copy

import (
	"fmt"
	"reflect"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the copy module.
var Module = &starlarkstruct.Module{
	Name: "copy",
	Members: starlark.StringDict{
		"copy":     starlark.NewBuiltin("copy", shallow),
		"deepcopy": starlark.NewBuiltin("deepcopy", deep),
	},
}

// Copyable is a value of a host type that copy and deepcopy can copy.
// CopyWith returns a new value whose elements are elem(x) for each
// element x of the receiver; it calls made with the new value as soon as
// it exists, before any call of elem, so that a cycle back to the receiver
// finds the copy.
type Copyable interface {
	starlark.Value
	CopyWith(thread *starlark.Thread, made func(starlark.Value), elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error)
}

func shallow(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	c := &copier{thread: thread, depth: callstate.MaxNesting - 1}
	return c.copy(x, func(v starlark.Value) (starlark.Value, error) { return v, nil })
}

func deep(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, memo starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x, &memo); err != nil {
		return nil, err
	}
	c := &copier{thread: thread, memo: map[starlark.Value]starlark.Value{}}
	return c.deep(x)
}

// copier is one copy or deepcopy call.
type copier struct {
	thread *starlark.Thread
	memo   map[starlark.Value]starlark.Value // original → copy, by identity
	depth  int
}

func (c *copier) deep(x starlark.Value) (starlark.Value, error) {
	if err := callstate.ChargeSteps(c.thread, 1); err != nil {
		return nil, err
	}
	if identity(x) {
		if y, ok := c.memo[x]; ok {
			return y, nil
		}
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.copy(x, c.deep)
}

// identity reports whether x has an identity a memo can key on.
func identity(x starlark.Value) bool { return reflect.TypeOf(x).Kind() == reflect.Pointer }

// made records the copy of x, for cycles and shared references.
func (c *copier) made(x starlark.Value) func(starlark.Value) {
	return func(y starlark.Value) {
		if c.memo != nil && identity(x) {
			c.memo[x] = y
		}
	}
}

// copy returns a new x with its elements passed through elem.
func (c *copier) copy(x starlark.Value, elem func(starlark.Value) (starlark.Value, error)) (starlark.Value, error) {
	if c.depth > callstate.MaxNesting {
		return nil, callstate.DepthError()
	}
	if s, ok := x.(starlark.Sequence); ok {
		if err := callstate.ChargeSteps(c.thread, uint64(s.Len())); err != nil {
			return nil, err
		}
	}
	switch v := x.(type) {
	case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes,
		*starlark.Function, *starlark.Builtin, *starlarkstruct.Module:
		return x, nil
	case *starlark.List:
		out := starlark.NewList(make([]starlark.Value, 0, v.Len()))
		c.made(x)(out)
		for i := range v.Len() {
			e, err := elem(v.Index(i))
			if err != nil {
				return nil, err
			}
			if err := out.Append(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case starlark.Tuple:
		out := make(starlark.Tuple, len(v))
		for i, e := range v {
			var err error
			if out[i], err = elem(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlark.Dict:
		out := starlark.NewDict(v.Len())
		c.made(x)(out)
		for _, it := range v.Items() {
			k, err := elem(it[0])
			if err != nil {
				return nil, err
			}
			val, err := elem(it[1])
			if err != nil {
				return nil, err
			}
			if err := out.SetKey(k, val); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlark.Set:
		out := starlark.NewSet(v.Len())
		c.made(x)(out)
		iter := v.Iterate()
		defer iter.Done()
		var e starlark.Value
		for iter.Next(&e) {
			ce, err := elem(e)
			if err != nil {
				return nil, err
			}
			if err := out.Insert(ce); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlarkstruct.Struct:
		fields := starlark.StringDict{}
		for _, name := range v.AttrNames() {
			f, err := v.Attr(name)
			if err != nil {
				return nil, err
			}
			if fields[name], err = elem(f); err != nil {
				return nil, err
			}
		}
		return starlarkstruct.FromStringDict(v.Constructor(), fields), nil
	case Copyable:
		return v.CopyWith(c.thread, c.made(x), elem)
	case starlark.Callable:
		return x, nil
	}
	return nil, fmt.Errorf("copy: cannot copy a %s", x.Type())
}

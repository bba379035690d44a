package collections

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// DefaultDict is collections.defaultdict: d[k] of a missing k calls the
// default factory, stores its result under k and returns it.
type DefaultDict struct {
	d       *starlark.Dict
	factory starlark.Value // None or a callable
	// owner calls the factory: a subscript gets no thread.
	owner
}

var (
	_ starlark.IterableMapping = (*DefaultDict)(nil)
	_ starlark.HasSetKey       = (*DefaultDict)(nil)
	_ starlark.Container       = (*DefaultDict)(nil)
	_ starlark.Sequence        = (*DefaultDict)(nil)
	_ starlark.HasAttrs        = (*DefaultDict)(nil)
	_ starlark.Comparable      = (*DefaultDict)(nil)
	_ starlark.HasBinary       = (*DefaultDict)(nil)
)

func (dd *DefaultDict) Type() string               { return "defaultdict" }
func (dd *DefaultDict) Freeze()                    { dd.frozen = true; dd.d.Freeze(); dd.factory.Freeze() }
func (dd *DefaultDict) Truth() starlark.Bool       { return dd.d.Len() > 0 }
func (dd *DefaultDict) Hash() (uint32, error)      { return 0, fmt.Errorf("unhashable type: defaultdict") }
func (dd *DefaultDict) Len() int                   { return dd.d.Len() }
func (dd *DefaultDict) Iterate() starlark.Iterator { return dd.d.Iterate() }
func (dd *DefaultDict) Items() []starlark.Tuple    { return dd.d.Items() }

// Dict returns the entries as a dict (shared, not copied).
func (dd *DefaultDict) Dict() *starlark.Dict { return dd.d }

func (dd *DefaultDict) String() string {
	return "defaultdict(" + dd.factory.String() + ", " + dd.d.String() + ")"
}

// Has is k in d; it never calls the factory.
func (dd *DefaultDict) Has(k starlark.Value) (bool, error) {
	_, found, err := dd.d.Get(k)
	return found, err
}

// Get is d[k], calling and storing the factory's value for a missing k.
func (dd *DefaultDict) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, found, err := dd.d.Get(k)
	if err != nil || found || dd.factory == starlark.None {
		return v, found, err
	}
	if _, err := k.Hash(); err != nil {
		return nil, false, err
	}
	thread := dd.current()
	if thread == nil {
		return nil, false, fmt.Errorf("cannot insert the default of missing key %s into a frozen defaultdict", k)
	}
	v, err = callFactory(thread, dd.factory)
	if err != nil {
		return nil, false, err
	}
	if err := dd.d.SetKey(k, v); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

func (dd *DefaultDict) SetKey(k, v starlark.Value) error { return dd.d.SetKey(k, v) }

func (dd *DefaultDict) Attr(name string) (starlark.Value, error) {
	switch name {
	case "default_factory":
		return dd.factory, nil
	case "copy":
		return bind("defaultdict", "copy", ddCopy, dd), nil
	case "update":
		return bind("defaultdict", "update", ddUpdate, dd), nil
	}
	for _, n := range dictMethods {
		if n == name {
			m, err := dd.d.Attr(name)
			if err != nil || m == nil {
				return m, err
			}
			// Re-bind so that a later subscript calls the factory on the
			// thread now calling methods.
			return starlark.NewBuiltin("defaultdict."+name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
				dd.use(thread)
				return starlark.Call(thread, m, args, kwargs)
			}), nil
		}
	}
	return nil, nil
}

func (dd *DefaultDict) AttrNames() []string {
	return methodNames(nil, append([]string{"copy", "default_factory", "update"}, dictMethods...)...)
}

// CompareSameType compares two defaultdicts as dicts.
func (dd *DefaultDict) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o, ok := y.(*DefaultDict)
	if !ok {
		return unlike(op)
	}
	return starlark.CompareDepth(op, dd.d, o.d, depth)
}

// Binary implements d | other (a new defaultdict with other's entries
// added, Python 3.9).
func (dd *DefaultDict) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if op != syntax.PIPE || side == starlark.Right {
		return nil, nil
	}
	m, ok := y.(starlark.IterableMapping)
	if !ok {
		return nil, nil
	}
	out := &DefaultDict{d: starlark.NewDict(dd.d.Len()), factory: dd.factory, owner: owner{thread: dd.current()}}
	for _, it := range append(dd.d.Items(), m.Items()...) {
		if err := dd.charge(1); err != nil {
			return nil, err
		}
		if err := out.d.SetKey(it[0], it[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newDefaultDict is defaultdict(default_factory=None, [mapping or
// iterable of pairs], **kwargs).
func newDefaultDict(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var factory starlark.Value = starlark.None
	if len(args) > 0 {
		factory, args = args[0], args[1:]
	}
	if _, ok := factory.(starlark.Callable); !ok && factory != starlark.None {
		return nil, fmt.Errorf("defaultdict: first argument must be callable or None, got %s", factory.Type())
	}
	dd := &DefaultDict{d: starlark.NewDict(0), factory: factory, owner: owner{thread: thread}}
	if err := dd.update(thread, args, kwargs); err != nil {
		return nil, err
	}
	return dd, nil
}

// update adds the entries of a mapping or iterable of pairs, then kwargs,
// as dict.update.
func (dd *DefaultDict) update(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) error {
	dd.use(thread)
	if len(args) > 1 {
		return fmt.Errorf("defaultdict: expected at most 2 arguments, got %d", len(args)+1)
	}
	if len(args) == 1 || len(kwargs) > 0 {
		n := 0
		if len(args) == 1 {
			if s, ok := args[0].(starlark.Sequence); ok {
				n = s.Len()
			}
		}
		if err := callstate.ChargeSteps(thread, uint64(n+len(kwargs))); err != nil {
			return err
		}
		tmp, err := starlark.Call(thread, starlark.Universe["dict"], args, kwargs)
		if err != nil {
			return fmt.Errorf("defaultdict: %w", err)
		}
		for _, it := range tmp.(*starlark.Dict).Items() {
			if err := dd.d.SetKey(it[0], it[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func ddUpdate(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, recv.(*DefaultDict).update(thread, args, kwargs)
}

func ddCopy(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs("defaultdict.copy", args, kwargs, 0); err != nil {
		return nil, err
	}
	return recv.(*DefaultDict).clone(thread)
}

// clone returns a new defaultdict with the same factory and entries.
func (dd *DefaultDict) clone(thread *starlark.Thread) (*DefaultDict, error) {
	out := &DefaultDict{d: starlark.NewDict(dd.d.Len()), factory: dd.factory, owner: owner{thread: thread}}
	for _, it := range dd.d.Items() {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		if err := out.d.SetKey(it[0], it[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// zeroOf are the values Python's type constructors return when called
// with no argument, where Starlark's require one.
var zeroOf = map[string]starlark.Value{
	"int": starlark.MakeInt(0), "float": starlark.Float(0), "str": starlark.String(""), "bool": starlark.False,
}

// callFactory calls a default factory with no arguments; int, float, str
// and bool give their zero value, as in Python.
func callFactory(thread *starlark.Thread, f starlark.Value) (starlark.Value, error) {
	if b, ok := f.(*starlark.Builtin); ok && b.Receiver() == nil {
		if z, ok := zeroOf[b.Name()]; ok {
			return z, nil
		}
	}
	return starlark.Call(thread, f, nil, nil)
}

// Package collections is Python's collections module for latm's sandbox:
// Counter, defaultdict, deque, namedtuple and OrderedDict, with CPython's
// semantics where Starlark can express them.
//
// Every loop these types run in Go charges steps through callstate, so a
// Counter of a million elements or a deque rotated a million times stops at
// the call's step limit. Operators (c1 + c2, d == e) run without a thread
// argument, so each value remembers the thread that made it or last called
// one of its methods and charges that one (see owner); a frozen value,
// shared by concurrent calls, charges its operators nothing.
//
// Where they differ from CPython:
//   - A Counter or defaultdict is not a dict and a namedtuple not a tuple
//     to Starlark's ==: Counter(a=1) == {"a": 1} is False (CPython: True),
//     and a namedtuple compares only with namedtuples. Comparisons between
//     two values of the same kind follow CPython.
//   - OrderedDict is a plain dict (Starlark dicts keep insertion order);
//     move_to_end and popitem(last=False) are not available.
//   - Counter.elements returns a list, not an iterator.
//   - A defaultdict that is a frozen global (a tool's module-level value,
//     read by a later call) cannot insert the default of a missing key:
//     d[k] fails as an insert into a frozen dict would.
package collections

import (
	"fmt"
	"slices"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// Module is the collections module.
var Module = &starlarkstruct.Module{
	Name: "collections",
	Members: starlark.StringDict{
		"Counter":     starlark.NewBuiltin("Counter", newCounter),
		"defaultdict": starlark.NewBuiltin("defaultdict", newDefaultDict),
		"deque":       starlark.NewBuiltin("deque", newDeque),
		"namedtuple":  starlark.NewBuiltin("namedtuple", newNamedTuple),
		"OrderedDict": starlark.NewBuiltin("OrderedDict", newOrderedDict),
	},
}

// method is a Go method of one of this package's types; recv is the value
// it is bound to.
type method func(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// bind returns m bound to recv as a builtin named typ.name.
func bind(typ, name string, m method, recv starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin(typ+"."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return m(thread, b.Receiver(), args, kwargs)
	}).BindReceiver(recv)
}

// methodNames returns the sorted names of a method table plus extra.
func methodNames(table map[string]method, extra ...string) []string {
	names := append([]string(nil), extra...)
	for n := range table {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// newOrderedDict is OrderedDict(...): a plain dict, since Starlark dicts
// keep insertion order.
func newOrderedDict(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.Call(thread, starlark.Universe["dict"], args, kwargs)
}

// unlike is the comparison of two values of different kinds that happen to
// share a type name: unequal, and unordered.
func unlike(op syntax.Token) (bool, error) {
	switch op {
	case syntax.EQL:
		return false, nil
	case syntax.NEQ:
		return true, nil
	}
	return false, fmt.Errorf("%s not supported between values of different types", op)
}

// owner is the thread a value charges its thread-less work to (operators
// and comparisons get no thread): the one that made it or last called one
// of its methods. A frozen value may be shared by concurrent calls, so it
// never records a thread and charges nothing there; its size is fixed, and
// the call's time limit still bounds the work.
type owner struct {
	thread *starlark.Thread
	frozen bool
}

// use records thread as the owner, unless the value is frozen.
func (o *owner) use(thread *starlark.Thread) {
	if !o.frozen {
		o.thread = thread
	}
}

// current is the thread a value derived from this one should charge.
func (o *owner) current() *starlark.Thread {
	if o.frozen {
		return nil
	}
	return o.thread
}

// charge charges n steps to the owner, if any.
func (o *owner) charge(n uint64) error {
	if t := o.current(); t != nil {
		return callstate.ChargeSteps(t, n)
	}
	return nil
}

// chargeAlloc charges an allocation of n bytes to the owner, if any.
func (o *owner) chargeAlloc(n int64) error {
	if t := o.current(); t != nil {
		return callstate.ChargeAlloc(t, n)
	}
	return nil
}

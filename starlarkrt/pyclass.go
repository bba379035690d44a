package starlarkrt

// Python classes: a class statement becomes a call of latm.mkclass with the
// class's attributes (dialect_class.go builds it); instances are pyInstance
// values, which run the dunders a program defines (__eq__, __lt__,
// __repr__, __str__, __len__, __hash__, __iter__, __contains__,
// __getitem__, __bool__). Instances are ordinary heap values of the call,
// so they count against its memory limit, and expose nothing of the host.
//
// Starlark asks a value for its string, equality, order, hash, items and
// elements without a thread; an instance runs those dunders on the thread
// of the call that created it (a call's instances are its own: a tool's
// module-level instances are frozen with the module).

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// pyClass is a class.
type pyClass struct {
	name   string
	base   *pyClass
	attrs  map[string]starlark.Value
	order  []string
	dc     *dataclassInfo
	fields []dcField // the annotated attributes, in order
	frozen bool
}

var (
	_ starlark.Callable    = (*pyClass)(nil)
	_ starlark.HasSetField = (*pyClass)(nil)
	_ starlark.HasSetField = (*pyInstance)(nil)
	_ starlark.Comparable  = (*pyInstance)(nil)
	_ starlark.Iterable    = (*pyInstance)(nil)
	_ starlark.Container   = (*pyInstance)(nil)
	_ starlark.Mapping     = (*pyInstance)(nil)
)

func (c *pyClass) String() string        { return "<class '" + c.name + "'>" }
func (c *pyClass) Type() string          { return "type" }
func (c *pyClass) Truth() starlark.Bool  { return true }
func (c *pyClass) Hash() (uint32, error) { return starlark.String(c.name).Hash() }
func (c *pyClass) Name() string          { return c.name }

func (c *pyClass) Freeze() {
	if c.frozen {
		return
	}
	c.frozen = true
	for _, v := range c.attrs {
		v.Freeze()
	}
}

// lookup finds an attribute in the class or its bases.
func (c *pyClass) lookup(name string) (starlark.Value, bool) {
	for k := c; k != nil; k = k.base {
		if v, ok := k.attrs[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (c *pyClass) isa(cls *pyClass) bool {
	for k := c; k != nil; k = k.base {
		if k == cls {
			return true
		}
	}
	return false
}

func (c *pyClass) AttrNames() []string { return append([]string(nil), c.order...) }

func (c *pyClass) Attr(name string) (starlark.Value, error) {
	if name == "__name__" {
		return starlark.String(c.name), nil
	}
	v, ok := c.lookup(name)
	if !ok {
		return nil, nil
	}
	switch m := v.(type) {
	case *pyMethodKind:
		if m.kind == "classmethod" {
			return bindTo(name, m.fn, c), nil
		}
		return m.fn, nil
	}
	return v, nil
}

func (c *pyClass) SetField(name string, v starlark.Value) error {
	if c.frozen {
		return fmt.Errorf("cannot assign to %s.%s: the class is frozen", c.name, name)
	}
	if _, ok := c.attrs[name]; !ok {
		c.order = append(c.order, name)
	}
	c.attrs[name] = v
	return nil
}

// CallInternal makes an instance and runs __init__.
func (c *pyClass) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	inst := &pyInstance{cls: c, fields: map[string]starlark.Value{}, thread: thread, id: instanceIDs.Add(1)}
	if init, ok := c.lookup("__init__"); ok {
		res, err := starlark.Call(thread, init, append(starlark.Tuple{inst}, args...), kwargs)
		if err != nil {
			return nil, err
		}
		if res != starlark.None {
			return nil, typeError("__init__() should return None, not '" + pyTypeName(res.Type()) + "'")
		}
	} else if len(args) > 0 || len(kwargs) > 0 {
		return nil, typeError(c.name + "() takes no arguments")
	}
	return inst, nil
}

// pyMethodKind marks a staticmethod, classmethod or property in a class.
type pyMethodKind struct {
	kind           string
	fn             starlark.Value
	setter, getter starlark.Value // for a property
}

func (m *pyMethodKind) String() string        { return "<" + m.kind + ">" }
func (m *pyMethodKind) Type() string          { return m.kind }
func (m *pyMethodKind) Freeze()               {}
func (m *pyMethodKind) Truth() starlark.Bool  { return true }
func (m *pyMethodKind) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: '%s'", m.kind) }

func methodKind(kind string) *starlark.Builtin {
	return starlark.NewBuiltin(kind, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 || len(kwargs) != 0 {
			return nil, typeError(kind + " expected 1 argument")
		}
		m := &pyMethodKind{kind: kind, fn: args[0]}
		if kind == "property" {
			m.getter = args[0]
		}
		return m, nil
	})
}

// bindTo returns fn with recv as its first argument.
func bindTo(name string, fn, recv starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return starlark.Call(thread, fn, append(starlark.Tuple{recv}, args...), kwargs)
	})
}

func typeError(msg string) error {
	return &pyRaised{&pyException{cls: excType, args: starlark.Tuple{starlark.String(msg)}}}
}

var instanceIDs atomic.Uint64

// pyInstance is an instance of a pyClass.
type pyInstance struct {
	cls    *pyClass
	fields map[string]starlark.Value
	order  []string
	thread *starlark.Thread
	id     uint64
	frozen bool
}

func (o *pyInstance) Type() string { return userTypeName(o.cls.name) }

// builtinTypeNames are the type names of the interpreter's own values.
// Values of different Go types with one type name are compared by the
// interpreter as if of one type, so a class (or exception) named after one
// reports a qualified name instead.
var builtinTypeNames = map[string]bool{
	"int": true, "float": true, "string": true, "str": true, "bool": true, "list": true, "dict": true,
	"tuple": true, "set": true, "NoneType": true, "bytes": true, "range": true, "function": true,
	"builtin_function_or_method": true, "module": true, "struct": true, "type": true,
}

func userTypeName(name string) string {
	if builtinTypeNames[name] {
		return "__main__." + name
	}
	return name
}

// dunder calls the instance's method name, if its class has one.
func (o *pyInstance) dunder(thread *starlark.Thread, name string, args ...starlark.Value) (starlark.Value, bool, error) {
	fn, ok := o.cls.lookup(name)
	if !ok || fn == starlark.None {
		return nil, false, nil
	}
	v, err := starlark.Call(o.threadFor(thread), fn, append(starlark.Tuple{o}, args...), nil)
	return v, true, err
}

// dunderSteps bounds a dunder run on a thread of its own.
const dunderSteps = 1_000_000

// threadFor returns the thread a method of o runs on: the caller's when
// it has one, else the creating call's; a frozen instance (a tool's
// module value, which concurrent calls share) gets a thread of its own.
func (o *pyInstance) threadFor(thread *starlark.Thread) *starlark.Thread {
	if thread != nil {
		return thread
	}
	if o.thread != nil {
		return o.thread
	}
	th := &starlark.Thread{Name: o.cls.name, Print: func(*starlark.Thread, string) {}}
	th.SetMaxExecutionSteps(dunderSteps)
	return th
}

// repr is repr(o): __repr__, the dataclass form, or <Name object>.
func (o *pyInstance) repr(thread *starlark.Thread) (string, error) {
	v, ok, err := o.dunder(thread, "__repr__")
	if err != nil {
		return "", err
	}
	if ok {
		s, isStr := v.(starlark.String)
		if !isStr {
			return "", typeError("__repr__ returned non-string (type " + pyTypeName(v.Type()) + ")")
		}
		return string(s), nil
	}
	if dc := o.dataclass(); dc != nil && dc.repr {
		var b strings.Builder
		b.WriteString(o.cls.name + "(")
		for i, f := range dc.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.name + "=")
			if v, ok := o.fields[f.name]; ok {
				if in, isInst := v.(*pyInstance); isInst {
					s, err := in.repr(thread)
					if err != nil {
						return "", err
					}
					b.WriteString(s)
				} else {
					b.WriteString(pyRepr(v))
				}
			}
		}
		b.WriteString(")")
		return b.String(), nil
	}
	return "<" + o.cls.name + " object>", nil
}

// str is str(o): __str__, else repr(o).
func (o *pyInstance) str(thread *starlark.Thread) (string, error) {
	v, ok, err := o.dunder(thread, "__str__")
	if err != nil {
		return "", err
	}
	if ok {
		s, isStr := v.(starlark.String)
		if !isStr {
			return "", typeError("__str__ returned non-string (type " + pyTypeName(v.Type()) + ")")
		}
		return string(s), nil
	}
	return o.repr(thread)
}

func (o *pyInstance) String() string {
	s, err := o.repr(nil)
	if err != nil {
		return "<" + o.cls.name + " object (__repr__ failed: " + err.Error() + ")>"
	}
	return s
}

func (o *pyInstance) Freeze() {
	if o.frozen {
		return
	}
	o.frozen = true
	o.thread = nil // the creating call is over; see threadFor
	for _, v := range o.fields {
		v.Freeze()
	}
}

func (o *pyInstance) Truth() starlark.Bool {
	for _, name := range []string{"__bool__", "__len__"} {
		v, ok, err := o.dunder(nil, name)
		if ok && err == nil {
			if i, isInt := v.(starlark.Int); isInt {
				return i.Sign() != 0
			}
			return v.Truth()
		}
	}
	return true
}

func (o *pyInstance) Hash() (uint32, error) {
	v, ok, err := o.dunder(nil, "__hash__")
	if err != nil {
		return 0, err
	}
	if ok {
		i, isInt := v.(starlark.Int)
		if !isInt {
			return 0, typeError("__hash__ method should return an integer")
		}
		return starlark.Int.Hash(i)
	}
	if dc := o.dataclass(); dc != nil && dc.eq {
		if !dc.frozen {
			return 0, typeError("unhashable type: '" + o.cls.name + "'")
		}
		return o.fieldTuple().Hash()
	}
	if _, custom := o.cls.lookup("__eq__"); custom {
		return 0, typeError("unhashable type: '" + o.cls.name + "'")
	}
	return uint32(o.id) ^ uint32(o.id>>32), nil
}

func (o *pyInstance) dataclass() *dataclassInfo {
	for k := o.cls; k != nil; k = k.base {
		if k.dc != nil {
			return k.dc
		}
	}
	return nil
}

func (o *pyInstance) fieldTuple() starlark.Tuple {
	dc := o.dataclass()
	t := make(starlark.Tuple, 0, len(dc.fields))
	for _, f := range dc.fields {
		v, ok := o.fields[f.name]
		if !ok {
			v = starlark.None
		}
		t = append(t, v)
	}
	return t
}

func (o *pyInstance) AttrNames() []string {
	names := append([]string(nil), o.order...)
	sort.Strings(names)
	return names
}

func (o *pyInstance) Attr(name string) (starlark.Value, error) {
	if name == "__class__" {
		return o.cls, nil
	}
	if v, ok := o.cls.lookup(name); ok {
		if m, isKind := v.(*pyMethodKind); isKind && m.kind == "property" {
			return starlark.Call(o.threadFor(nil), m.getter, starlark.Tuple{o}, nil)
		}
	}
	if v, ok := o.fields[name]; ok {
		return v, nil
	}
	v, ok := o.cls.lookup(name)
	if !ok {
		return nil, nil
	}
	switch m := v.(type) {
	case *starlark.Function, *starlark.Builtin:
		return bindTo(name, m, o), nil
	case *pyMethodKind:
		switch m.kind {
		case "staticmethod":
			return m.fn, nil
		case "classmethod":
			return bindTo(name, m.fn, o.cls), nil
		}
	}
	return v, nil
}

func (o *pyInstance) SetField(name string, v starlark.Value) error {
	if dc := o.dataclass(); dc != nil && dc.frozen {
		return &pyRaised{&pyException{cls: excFrozenInstance, args: starlark.Tuple{starlark.String("cannot assign to field '" + name + "'")}}}
	}
	if p, ok := o.cls.lookup(name); ok {
		if m, isKind := p.(*pyMethodKind); isKind && m.kind == "property" {
			if m.setter == nil {
				return &pyRaised{&pyException{cls: excAttribute, args: starlark.Tuple{starlark.String("can't set attribute '" + name + "'")}}}
			}
			_, err := starlark.Call(o.threadFor(nil), m.setter, starlark.Tuple{o, v}, nil)
			return err
		}
	}
	if o.frozen {
		return fmt.Errorf("cannot assign to %s.%s: the instance is frozen", o.cls.name, name)
	}
	if _, ok := o.fields[name]; !ok {
		o.order = append(o.order, name)
	}
	o.fields[name] = v
	return nil
}

// CompareSameType runs __eq__, __lt__ and their kin, or the dataclass
// comparisons; without them == is identity and < is a TypeError.
func (o *pyInstance) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	other, ok := y.(*pyInstance)
	if !ok {
		if op == syntax.EQL || op == syntax.NEQ {
			return op == syntax.NEQ, nil
		}
		return false, typeError("'" + op.String() + "' not supported between instances of '" + o.cls.name + "' and '" + pyTypeName(y.Type()) + "'")
	}
	names := map[syntax.Token][2]string{
		syntax.EQL: {"__eq__", ""}, syntax.NEQ: {"__ne__", ""},
		syntax.LT: {"__lt__", "__gt__"}, syntax.GT: {"__gt__", "__lt__"},
		syntax.LE: {"__le__", "__ge__"}, syntax.GE: {"__ge__", "__le__"},
	}[op]
	if v, ok, err := o.dunder(nil, names[0], other); ok || err != nil {
		if err != nil {
			return false, err
		}
		return bool(v.Truth()), nil
	}
	if names[1] != "" {
		if v, ok, err := other.dunder(nil, names[1], o); ok || err != nil {
			if err != nil {
				return false, err
			}
			return bool(v.Truth()), nil
		}
	}
	if op == syntax.NEQ {
		eq, err := o.CompareSameType(syntax.EQL, y, depth)
		return !eq, err
	}
	dc := o.dataclass()
	switch op {
	case syntax.EQL:
		if dc != nil && dc.eq && other.cls == o.cls {
			return starlark.CompareDepth(op, o.fieldTuple(), other.fieldTuple(), depth)
		}
		return o == other, nil
	default:
		if dc != nil && dc.order && other.cls == o.cls {
			return starlark.CompareDepth(op, o.fieldTuple(), other.fieldTuple(), depth)
		}
	}
	return false, typeError("'" + op.String() + "' not supported between instances of '" + o.cls.name + "' and '" + other.cls.name + "'")
}

// Iterate runs __iter__ (a for loop calls it through latm.iter, which
// reports its errors; here an error makes the value not iterable).
func (o *pyInstance) Iterate() starlark.Iterator {
	v, ok, err := o.dunder(nil, "__iter__")
	if !ok || err != nil {
		return nil
	}
	return starlark.Iterate(v)
}

func (o *pyInstance) Has(x starlark.Value) (bool, error) {
	v, ok, err := o.dunder(nil, "__contains__", x)
	if err != nil {
		return false, err
	}
	if ok {
		return bool(v.Truth()), nil
	}
	it := o.Iterate()
	if it == nil {
		return false, typeError("argument of type '" + o.cls.name + "' is not iterable")
	}
	defer it.Done()
	var e starlark.Value
	for it.Next(&e) {
		if eq, err := starlark.Equal(e, x); err != nil || eq {
			return eq, err
		}
	}
	return false, nil
}

func (o *pyInstance) Get(k starlark.Value) (starlark.Value, bool, error) {
	v, ok, err := o.dunder(nil, "__getitem__", k)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, typeError("'" + o.cls.name + "' object is not subscriptable")
	}
	return v, true, nil
}

// instanceLen is len(o) for an instance: __len__.
func instanceLen(thread *starlark.Thread, o *pyInstance) (starlark.Value, error) {
	v, ok, err := o.dunder(thread, "__len__")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, typeError("object of type '" + o.cls.name + "' has no len()")
	}
	return v, nil
}

// instanceIter is what latm.iter gives for an instance: its __iter__'s
// result, with __iter__'s error reported.
func instanceIter(thread *starlark.Thread, o *pyInstance) (starlark.Value, error) {
	v, ok, err := o.dunder(thread, "__iter__")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, typeError("'" + o.cls.name + "' object is not iterable")
	}
	return v, nil
}

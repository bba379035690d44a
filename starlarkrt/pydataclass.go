package starlarkrt

// latm.mkclass, @dataclass, field, super, and the builtins that know
// instances (str, repr, print, len, isinstance, iter).

import (
	"fmt"
	"regexp"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// excFrozenInstance is dataclasses.FrozenInstanceError.
var excFrozenInstance = &pyExcClass{name: "FrozenInstanceError", parent: excAttribute}

// fieldMarker is an annotated class attribute (`x: int = 0` is
// _latm_field(0), `x: int` is _latm_field()): a dataclass field.
type fieldMarker struct {
	def     starlark.Value // nil: no default
	factory starlark.Value // default_factory, or nil
}

func (f *fieldMarker) String() string        { return "<field>" }
func (f *fieldMarker) Type() string          { return "field" }
func (f *fieldMarker) Freeze()               {}
func (f *fieldMarker) Truth() starlark.Bool  { return true }
func (f *fieldMarker) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: 'field'") }

// dataclassInfo is what @dataclass generated for a class.
type dataclassInfo struct {
	fields                  []dcField
	eq, order, frozen, repr bool
}

type dcField struct {
	name    string
	def     starlark.Value
	factory starlark.Value
}

const (
	fieldName       = "_latm_field"
	mkclassName     = "latm.mkclass"
	superName       = "latm.super"
	setterName      = "latm.propset"
	decoratorMarker = "_latm_decorator"
)

// latmField is _latm_field([default]).
func latmField(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	switch {
	case len(args) == 0:
		return &fieldMarker{}, nil
	case len(args) == 1:
		if f, ok := args[0].(*fieldMarker); ok {
			return f, nil
		}
		return &fieldMarker{def: args[0]}, nil
	}
	return nil, fmt.Errorf("%s: bad arguments", fieldName)
}

// dcFieldFn is dataclasses.field(default=, default_factory=).
func dcFieldFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var def, factory starlark.Value
	for _, kv := range kwargs {
		k, _ := starlark.AsString(kv[0])
		switch k {
		case "default":
			def = kv[1]
		case "default_factory":
			factory = kv[1]
		case "repr", "compare", "hash", "init", "kw_only", "metadata":
		default:
			return nil, typeError("field() got an unexpected keyword argument '" + k + "'")
		}
	}
	if len(args) > 0 {
		return nil, typeError("field() takes no positional arguments")
	}
	return &fieldMarker{def: def, factory: factory}, nil
}

// latmMkclass is latm.mkclass(name, bases, [(attr, value), …]).
func latmMkclass(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	name, _ := starlark.AsString(args[0])
	bases, _ := args[1].(starlark.Tuple)
	items, _ := args[2].(*starlark.List)
	if len(bases) > 1 {
		return nil, typeError("class " + name + ": only single inheritance is supported")
	}
	var base *pyClass
	if len(bases) == 1 {
		switch b := bases[0].(type) {
		case *pyClass:
			base = b
		case *pyExcClass:
			// An exception class: a new exception class; its body may
			// only hold a docstring or pass.
			if items != nil && items.Len() > 0 {
				return nil, typeError("class " + name + ": an exception class may not define attributes or methods here")
			}
			return &pyExcClass{name: name, parent: b}, nil
		case *starlark.Builtin:
			if b.Name() != "object" {
				return nil, typeError("class " + name + ": cannot derive from " + b.Name())
			}
		default:
			return nil, typeError("class " + name + ": cannot derive from " + b.String())
		}
	}
	c := &pyClass{name: name, base: base, attrs: map[string]starlark.Value{}}
	if items != nil {
		for i := 0; i < items.Len(); i++ {
			kv, _ := items.Index(i).(starlark.Tuple)
			if len(kv) != 2 {
				continue
			}
			k, _ := starlark.AsString(kv[0])
			v := kv[1]
			if m, ok := v.(*pyMethodKind); ok && m.kind == "setter" {
				p, isProp := c.attrs[k].(*pyMethodKind)
				if !isProp || p.kind != "property" {
					return nil, typeError("class " + name + ": @" + k + ".setter without a property " + k)
				}
				p.setter = m.fn
				continue
			}
			if err := c.SetField(k, v); err != nil {
				return nil, err
			}
		}
	}
	// An annotated attribute is a dataclass field; as an attribute it is
	// its default, or absent.
	for _, k := range append([]string(nil), c.order...) {
		if f, ok := c.attrs[k].(*fieldMarker); ok {
			c.fields = append(c.fields, dcField{name: k, def: f.def, factory: f.factory})
			if f.def != nil {
				c.attrs[k] = f.def
			} else {
				c.removeAttr(k)
			}
		}
	}
	return c, nil
}

func (c *pyClass) removeAttr(k string) {
	delete(c.attrs, k)
	for i, n := range c.order {
		if n == k {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

// latmPropset is `@x.setter`: the setter half of property x.
func latmPropset(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return &pyMethodKind{kind: "setter", fn: args[1]}, nil
}

// latmSuper is super() in a method of class cls called on self.
func latmSuper(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	cls, ok := args[0].(*pyClass)
	if !ok {
		return nil, typeError("super(): no class")
	}
	if cls.base == nil {
		return &superProxy{cls: &pyClass{name: "object", attrs: map[string]starlark.Value{}}, self: args[1]}, nil
	}
	return &superProxy{cls: cls.base, self: args[1]}, nil
}

// superProxy is super(): the attributes of the base class, bound to self.
type superProxy struct {
	cls  *pyClass
	self starlark.Value
}

func (s *superProxy) String() string        { return "<super>" }
func (s *superProxy) Type() string          { return "super" }
func (s *superProxy) Freeze()               {}
func (s *superProxy) Truth() starlark.Bool  { return true }
func (s *superProxy) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: 'super'") }
func (s *superProxy) AttrNames() []string   { return s.cls.AttrNames() }

func (s *superProxy) Attr(name string) (starlark.Value, error) {
	v, ok := s.cls.lookup(name)
	if !ok {
		if name == "__init__" {
			return starlark.NewBuiltin("__init__", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.None, nil
			}), nil
		}
		return nil, nil
	}
	switch m := v.(type) {
	case *pyMethodKind:
		switch m.kind {
		case "staticmethod":
			return m.fn, nil
		case "classmethod":
			return bindTo(name, m.fn, s.cls), nil
		case "property":
			if o, isInst := s.self.(*pyInstance); isInst {
				return starlark.Call(o.threadFor(nil), m.getter, starlark.Tuple{o}, nil)
			}
		}
		return v, nil
	case *starlark.Function, *starlark.Builtin:
		return bindTo(name, m, s.self), nil
	}
	return v, nil
}

// dataclassFn is @dataclass and @dataclass(order=True, frozen=True, …).
func dataclassFn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	dc := &dataclassInfo{eq: true, repr: true}
	for _, kv := range kwargs {
		k, _ := starlark.AsString(kv[0])
		on := bool(kv[1].Truth())
		switch k {
		case "eq":
			dc.eq = on
		case "order":
			dc.order = on
		case "frozen":
			dc.frozen = on
		case "repr":
			dc.repr = on
		case "init", "unsafe_hash", "slots", "kw_only", "match_args":
		default:
			return nil, typeError("dataclass() got an unexpected keyword argument '" + k + "'")
		}
	}
	if len(args) == 0 {
		return starlark.NewBuiltin("dataclass", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			if len(args) != 1 {
				return nil, typeError("dataclass() takes a class")
			}
			return makeDataclass(args[0], dc)
		}), nil
	}
	if len(args) != 1 {
		return nil, typeError("dataclass() takes a class")
	}
	return makeDataclass(args[0], dc)
}

func makeDataclass(v starlark.Value, dc *dataclassInfo) (starlark.Value, error) {
	c, ok := v.(*pyClass)
	if !ok {
		return nil, typeError("dataclass() should be called on a class")
	}
	// Fields: the bases' first, then the class's annotated attributes.
	if c.base != nil {
		for k := c.base; k != nil; k = k.base {
			if k.dc != nil {
				dc.fields = append(dc.fields, k.dc.fields...)
				break
			}
		}
	}
	// mkclass already turned the markers into defaults; the fields are
	// recorded by mkclass under their annotations.
	for _, f := range c.annotated() {
		replaced := false
		for i := range dc.fields {
			if dc.fields[i].name == f.name {
				dc.fields[i] = f
				replaced = true
			}
		}
		if !replaced {
			dc.fields = append(dc.fields, f)
		}
	}
	seenDefault := false
	for _, f := range dc.fields {
		if f.def != nil || f.factory != nil {
			seenDefault = true
		} else if seenDefault {
			return nil, typeError("non-default argument '" + f.name + "' follows default argument")
		}
	}
	c.dc = dc
	if _, own := c.attrs["__init__"]; !own {
		c.attrs["__init__"] = starlark.NewBuiltin("__init__", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return dataclassInit(thread, c, args, kwargs)
		})
		c.order = append(c.order, "__init__")
	}
	return c, nil
}

// dataclassInit is the generated __init__(self, *fields).
func dataclassInit(thread *starlark.Thread, c *pyClass, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) == 0 {
		return nil, typeError(c.name + ".__init__() missing 'self'")
	}
	o, ok := args[0].(*pyInstance)
	if !ok || !o.cls.isa(c) {
		return nil, typeError(c.name + ".__init__() needs a " + c.name + " instance as self")
	}
	args = args[1:]
	dc := c.dc
	if len(args) > len(dc.fields) {
		return nil, typeError(fmt.Sprintf("%s.__init__() takes %d positional arguments but %d were given", c.name, len(dc.fields)+1, len(args)+1))
	}
	vals := map[string]starlark.Value{}
	for i, a := range args {
		vals[dc.fields[i].name] = a
	}
	for _, kv := range kwargs {
		k, _ := starlark.AsString(kv[0])
		known := false
		for _, f := range dc.fields {
			known = known || f.name == k
		}
		if !known {
			return nil, typeError(c.name + ".__init__() got an unexpected keyword argument '" + k + "'")
		}
		if _, dup := vals[k]; dup {
			return nil, typeError(c.name + ".__init__() got multiple values for argument '" + k + "'")
		}
		vals[k] = kv[1]
	}
	var missing []string
	for _, f := range dc.fields {
		v, ok := vals[f.name]
		switch {
		case ok:
		case f.factory != nil:
			var err error
			if v, err = starlark.Call(thread, f.factory, nil, nil); err != nil {
				return nil, err
			}
		case f.def != nil:
			v = f.def
		default:
			missing = append(missing, "'"+f.name+"'")
			continue
		}
		if _, seen := o.fields[f.name]; !seen {
			o.order = append(o.order, f.name)
		}
		o.fields[f.name] = v
	}
	if len(missing) > 0 {
		return nil, typeError(fmt.Sprintf("%s.__init__() missing %d required positional argument%s: %s", c.name, len(missing), plural(len(missing)), strings.Join(missing, " and ")))
	}
	if post, ok := c.lookup("__post_init__"); ok {
		if _, err := starlark.Call(thread, post, starlark.Tuple{o}, nil); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// annotated returns the class's annotated attributes, as mkclass recorded
// them.
func (c *pyClass) annotated() []dcField { return c.fields }

// dataclassesModule is `import dataclasses`.
var dataclassesModule = &starlarkstruct.Module{Name: "dataclasses", Members: starlark.StringDict{
	"dataclass":           starlark.NewBuiltin("dataclass", dataclassFn),
	"field":               starlark.NewBuiltin("field", dcFieldFn),
	"FrozenInstanceError": excFrozenInstance,
}}

// instanceBuiltins adds to d the versions of builtins that know instances,
// named "latm.py." + their name (transformPython calls them in programs
// that define a class).
func instanceBuiltins(d starlark.StringDict) {
	wrap := func(name string, f func(thread *starlark.Thread, orig starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error)) {
		orig, ok := d[name]
		if !ok {
			orig = starlark.Universe[name]
		}
		if orig == nil {
			return
		}
		d["latm.py."+name] = starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if v, done, err := f(thread, orig, args, kwargs); done || err != nil {
				return v, err
			}
			if b, ok := orig.(*starlark.Builtin); ok {
				return b.CallInternal(thread, args, kwargs) // no second frame: these run on every loop
			}
			return starlark.Call(thread, orig, args, kwargs)
		})
	}
	wrap("str", func(thread *starlark.Thread, _ starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if o, ok := oneInstance(args, kwargs); ok {
			s, err := o.str(thread)
			return starlark.String(s), true, err
		}
		return nil, false, nil
	})
	wrap("repr", func(thread *starlark.Thread, _ starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if o, ok := oneInstance(args, kwargs); ok {
			s, err := o.repr(thread)
			return starlark.String(s), true, err
		}
		return nil, false, nil
	})
	wrap("len", func(thread *starlark.Thread, _ starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if o, ok := oneInstance(args, kwargs); ok {
			v, err := instanceLen(thread, o)
			return v, true, err
		}
		return nil, false, nil
	})
	wrap("print", func(thread *starlark.Thread, orig starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		var conv starlark.Tuple
		for i, a := range args {
			o, ok := a.(*pyInstance)
			if !ok {
				continue
			}
			if conv == nil {
				conv = append(starlark.Tuple(nil), args...)
			}
			s, err := o.str(thread)
			if err != nil {
				return nil, true, err
			}
			conv[i] = starlark.String(s)
		}
		if conv == nil {
			return nil, false, nil
		}
		v, err := starlark.Call(thread, orig, conv, kwargs)
		return v, true, err
	})
	// latm.iter runs on every loop: one type check, no wrapper call.
	d[iterName] = starlark.NewBuiltin(iterName, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if o, ok := oneInstance(args, kwargs); ok {
			return instanceIter(thread, o)
		}
		return latmIter(thread, b, args, kwargs)
	})
	wrap("isinstance", func(thread *starlark.Thread, _ starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if len(args) != 2 || len(kwargs) != 0 {
			return nil, false, nil
		}
		ok, handled := classIsinstance(args[0], args[1])
		return starlark.Bool(ok), handled, nil
	})
	// isinstance knows exception classes in every program.
	d["isinstance"] = d["latm.py.isinstance"]
	// "{}".format(p) and "%s" % p show str(p), as in Python, when the
	// format asks for no repr and no attribute or item of an argument.
	wrap(methodName, func(thread *starlark.Thread, orig starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if len(args) < 2 || args[1] != starlark.String("format") {
			return nil, false, nil
		}
		f, ok := args[0].(starlark.String)
		if !ok || strings.Contains(string(f), "!r") || fieldAccess.MatchString(string(f)) {
			return nil, false, nil
		}
		conv, err := strInstances(thread, args[2:])
		if err != nil || conv == nil {
			return nil, err != nil, err
		}
		var kw []starlark.Tuple
		for _, kv := range kwargs {
			c, err := strInstances(thread, starlark.Tuple{kv[1]})
			if err != nil {
				return nil, true, err
			}
			if c != nil {
				kv = starlark.Tuple{kv[0], c[0]}
			}
			kw = append(kw, kv)
		}
		v, err := starlark.Call(thread, orig, append(starlark.Tuple{args[0], args[1]}, conv...), kw)
		return v, true, err
	})
	wrap(percentName, func(thread *starlark.Thread, orig starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, bool, error) {
		if len(args) != 2 {
			return nil, false, nil
		}
		f, ok := args[0].(starlark.String)
		if !ok || strings.Contains(string(f), "%r") {
			return nil, false, nil
		}
		rhs := args[1]
		if t, isTuple := rhs.(starlark.Tuple); isTuple {
			conv, err := strInstances(thread, t)
			if err != nil || conv == nil {
				return nil, err != nil, err
			}
			rhs = conv
		} else if o, isInst := rhs.(*pyInstance); isInst {
			s, err := o.str(thread)
			if err != nil {
				return nil, true, err
			}
			rhs = starlark.String(s)
		} else {
			return nil, false, nil
		}
		v, err := starlark.Call(thread, orig, starlark.Tuple{args[0], rhs}, nil)
		return v, true, err
	})
	d["iter"] = starlark.NewBuiltin("iter", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 || len(kwargs) != 0 {
			return nil, typeError("iter() takes 1 argument")
		}
		if o, ok := args[0].(*pyInstance); ok {
			return instanceIter(thread, o)
		}
		if s, ok := args[0].(starlark.String); ok {
			return pyChars(thread, string(s))
		}
		if starlark.Iterate(args[0]) == nil {
			return nil, typeError("'" + pyTypeName(args[0].Type()) + "' object is not iterable")
		}
		return args[0], nil
	})
}

// fieldAccess matches a format field that reads an attribute or item.
var fieldAccess = regexp.MustCompile(`\{[^{}!:]*[.\[]`)

// strInstances returns xs with each instance replaced by its str, or nil
// when xs holds none.
func strInstances(thread *starlark.Thread, xs starlark.Tuple) (starlark.Tuple, error) {
	var conv starlark.Tuple
	for i, x := range xs {
		o, ok := x.(*pyInstance)
		if !ok {
			continue
		}
		if conv == nil {
			conv = append(starlark.Tuple(nil), xs...)
		}
		s, err := o.str(thread)
		if err != nil {
			return nil, err
		}
		conv[i] = starlark.String(s)
	}
	return conv, nil
}

func oneInstance(args starlark.Tuple, kwargs []starlark.Tuple) (*pyInstance, bool) {
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, false
	}
	o, ok := args[0].(*pyInstance)
	return o, ok
}

// classIsinstance answers isinstance(x, cls) for classes and exception
// classes (and tuples holding them).
func classIsinstance(x, cls starlark.Value) (ok, handled bool) {
	switch c := cls.(type) {
	case *pyClass:
		o, isInst := x.(*pyInstance)
		return isInst && o.cls.isa(c), true
	case *pyExcClass:
		return excIsinstance(x, c)
	case starlark.Tuple:
		any := false
		for _, k := range c {
			if ok, handled := classIsinstance(x, k); handled {
				any = true
				if ok {
					return true, true
				}
			}
		}
		if any {
			// Other members are builtin types: ask isinstance for them.
			return false, false
		}
	}
	return false, false
}

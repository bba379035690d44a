package collections

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// NamedTupleType is the class namedtuple(...) returns: calling it makes a
// NamedTuple.
type NamedTupleType struct {
	name     string
	fields   []string
	defaults starlark.Tuple // for the last len(defaults) fields
}

var (
	_ starlark.Callable = (*NamedTupleType)(nil)
	_ starlark.HasAttrs = (*NamedTupleType)(nil)
)

func (t *NamedTupleType) String() string        { return "<class '" + t.name + "'>" }
func (t *NamedTupleType) Type() string          { return "namedtuple_type" }
func (t *NamedTupleType) Name() string          { return t.name }
func (t *NamedTupleType) Freeze()               { t.defaults.Freeze() }
func (t *NamedTupleType) Truth() starlark.Bool  { return true }
func (t *NamedTupleType) Hash() (uint32, error) { return starlark.String(t.name).Hash() }

func (t *NamedTupleType) fieldTuple() starlark.Tuple {
	out := make(starlark.Tuple, len(t.fields))
	for i, f := range t.fields {
		out[i] = starlark.String(f)
	}
	return out
}

func (t *NamedTupleType) Attr(name string) (starlark.Value, error) {
	switch name {
	case "_fields":
		return t.fieldTuple(), nil
	case "__name__":
		return starlark.String(t.name), nil
	case "_field_defaults":
		d := starlark.NewDict(len(t.defaults))
		off := len(t.fields) - len(t.defaults)
		for i, v := range t.defaults {
			if err := d.SetKey(starlark.String(t.fields[off+i]), v); err != nil {
				return nil, err
			}
		}
		return d, nil
	case "_make":
		return starlark.NewBuiltin(t.name+"._make", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var it starlark.Value
			if err := starlark.UnpackPositionalArgs(t.name+"._make", args, kwargs, 1, &it); err != nil {
				return nil, err
			}
			xs, err := callstate.Collect(thread, t.name+"._make", it)
			if err != nil {
				return nil, err
			}
			if len(xs) != len(t.fields) {
				return nil, fmt.Errorf("Expected %d arguments, got %d", len(t.fields), len(xs))
			}
			return &NamedTuple{typ: t, vals: xs}, nil
		}), nil
	}
	return nil, nil
}

func (t *NamedTupleType) AttrNames() []string {
	return []string{"__name__", "_field_defaults", "_fields", "_make"}
}

// CallInternal makes an instance from positional and keyword arguments,
// with CPython's error messages.
func (t *NamedTupleType) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := len(t.fields)
	if len(args) > n {
		return nil, fmt.Errorf("%s.__new__() takes %d positional arguments but %d were given", t.name, n+1, len(args)+1)
	}
	vals := make(starlark.Tuple, n)
	copy(vals, args)
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		i := t.index(k)
		if i < 0 {
			return nil, fmt.Errorf("%s.__new__() got an unexpected keyword argument '%s'", t.name, k)
		}
		if vals[i] != nil {
			return nil, fmt.Errorf("%s.__new__() got multiple values for argument '%s'", t.name, k)
		}
		vals[i] = kv[1]
	}
	off := n - len(t.defaults)
	var missing []string
	for i := range vals {
		if vals[i] == nil {
			if i >= off {
				vals[i] = t.defaults[i-off]
			} else {
				missing = append(missing, "'"+t.fields[i]+"'")
			}
		}
	}
	if len(missing) > 0 {
		s := "s"
		if len(missing) == 1 {
			s = ""
		}
		return nil, fmt.Errorf("%s.__new__() missing %d required positional argument%s: %s", t.name, len(missing), s, joinNames(missing))
	}
	return &NamedTuple{typ: t, vals: vals}, nil
}

// joinNames joins as CPython's argument errors do: 'a', 'b' and 'c'.
func joinNames(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + ", and " + names[len(names)-1]
}

func (t *NamedTupleType) index(field string) int {
	for i, f := range t.fields {
		if f == field {
			return i
		}
	}
	return -1
}

// newNamedTuple is namedtuple(typename, field_names, *, rename=False,
// defaults=None, module=None).
func newNamedTuple(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var fieldsV, defaults, module starlark.Value = nil, starlark.None, starlark.None
	rename := false
	if err := starlark.UnpackArgs("namedtuple", args, kwargs, "typename", &name, "field_names", &fieldsV, "rename?", &rename, "defaults?", &defaults, "module?", &module); err != nil {
		return nil, err
	}
	var fields []string
	if s, ok := fieldsV.(starlark.String); ok {
		fields = strings.Fields(strings.ReplaceAll(string(s), ",", " "))
	} else {
		err := callstate.Iterate(thread, "namedtuple", fieldsV, func(x starlark.Value) error {
			s, ok := x.(starlark.String)
			if !ok {
				return fmt.Errorf("Type names and field names must be strings")
			}
			fields = append(fields, string(s))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if !isIdent(name) {
		return nil, fmt.Errorf("Type names and field names must be valid identifiers: '%s'", name)
	}
	seen := map[string]bool{}
	for i, f := range fields {
		bad := !isIdent(f) || strings.HasPrefix(f, "_") || seen[f]
		if bad && rename {
			f = fmt.Sprintf("_%d", i)
			fields[i] = f
		} else if !isIdent(f) {
			return nil, fmt.Errorf("Type names and field names must be valid identifiers: '%s'", f)
		} else if strings.HasPrefix(f, "_") {
			return nil, fmt.Errorf("Field names cannot start with an underscore: '%s'", f)
		} else if seen[f] {
			return nil, fmt.Errorf("Encountered duplicate field name: '%s'", f)
		}
		seen[f] = true
	}
	t := &NamedTupleType{name: name, fields: fields}
	if defaults != starlark.None {
		ds, err := callstate.Collect(thread, "namedtuple", defaults)
		if err != nil {
			return nil, err
		}
		if len(ds) > len(fields) {
			return nil, fmt.Errorf("Got more default values than field names")
		}
		t.defaults = ds
	}
	return t, nil
}

var pyKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// isIdent reports whether s is an ASCII Python identifier that is not a
// keyword.
func isIdent(s string) bool {
	if s == "" || pyKeywords[s] {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// NamedTuple is an instance of a namedtuple class: a tuple whose elements
// are also attributes.
type NamedTuple struct {
	typ  *NamedTupleType
	vals starlark.Tuple
}

var (
	_ starlark.Sliceable  = (*NamedTuple)(nil)
	_ starlark.Sequence   = (*NamedTuple)(nil)
	_ starlark.Container  = (*NamedTuple)(nil)
	_ starlark.HasAttrs   = (*NamedTuple)(nil)
	_ starlark.Comparable = (*NamedTuple)(nil)
	_ starlark.HasBinary  = (*NamedTuple)(nil)
)

func (p *NamedTuple) Type() string                     { return "namedtuple" }
func (p *NamedTuple) Freeze()                          { p.vals.Freeze() }
func (p *NamedTuple) Truth() starlark.Bool             { return len(p.vals) > 0 }
func (p *NamedTuple) Hash() (uint32, error)            { return p.vals.Hash() }
func (p *NamedTuple) Len() int                         { return len(p.vals) }
func (p *NamedTuple) Index(i int) starlark.Value       { return p.vals[i] }
func (p *NamedTuple) Iterate() starlark.Iterator       { return p.vals.Iterate() }
func (p *NamedTuple) Slice(a, b, s int) starlark.Value { return p.vals.Slice(a, b, s) }

// Tuple returns the values as a plain tuple (shared).
func (p *NamedTuple) Tuple() starlark.Tuple { return p.vals }

// WithValues returns an instance of the same class holding vals.
func (p *NamedTuple) WithValues(vals starlark.Tuple) *NamedTuple {
	return &NamedTuple{typ: p.typ, vals: vals}
}

func (p *NamedTuple) Has(x starlark.Value) (bool, error) {
	for _, v := range p.vals {
		if eq, err := starlark.Equal(v, x); err != nil || eq {
			return eq, err
		}
	}
	return false, nil
}

func (p *NamedTuple) String() string {
	var b strings.Builder
	b.WriteString(p.typ.name)
	b.WriteByte('(')
	for i, f := range p.typ.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f)
		b.WriteByte('=')
		b.WriteString(p.vals[i].String())
	}
	b.WriteByte(')')
	return b.String()
}

func (p *NamedTuple) Attr(name string) (starlark.Value, error) {
	if i := p.typ.index(name); i >= 0 {
		return p.vals[i], nil
	}
	switch name {
	case "_fields", "_field_defaults", "_make":
		return p.typ.Attr(name)
	case "_asdict":
		return bind(p.typ.name, name, ntAsdict, p), nil
	case "_replace":
		return bind(p.typ.name, name, ntReplace, p), nil
	case "count":
		return bind(p.typ.name, name, ntCount, p), nil
	case "index":
		return bind(p.typ.name, name, ntIndex, p), nil
	}
	return nil, nil
}

func (p *NamedTuple) AttrNames() []string {
	return append(append([]string(nil), p.typ.fields...), "_asdict", "_field_defaults", "_fields", "_make", "_replace", "count", "index")
}

func ntAsdict(_ *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv.(*NamedTuple)
	if err := starlark.UnpackPositionalArgs(p.typ.name+"._asdict", args, kwargs, 0); err != nil {
		return nil, err
	}
	d := starlark.NewDict(len(p.vals))
	for i, f := range p.typ.fields {
		if err := d.SetKey(starlark.String(f), p.vals[i]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func ntReplace(_ *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv.(*NamedTuple)
	if len(args) > 0 {
		return nil, fmt.Errorf("%s._replace() takes 1 positional argument but %d were given", p.typ.name, len(args)+1)
	}
	vals := append(starlark.Tuple(nil), p.vals...)
	var bad []string
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		i := p.typ.index(k)
		if i < 0 {
			bad = append(bad, "'"+k+"'")
			continue
		}
		vals[i] = kv[1]
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("Got unexpected field names: [%s]", strings.Join(bad, ", "))
	}
	return &NamedTuple{typ: p.typ, vals: vals}, nil
}

// CompareSameType compares two namedtuples (of any classes) as tuples.
func (p *NamedTuple) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o, ok := y.(*NamedTuple)
	if !ok {
		return unlike(op)
	}
	return starlark.CompareDepth(op, p.vals, o.vals, depth)
}

// Binary implements p + tuple and tuple + p (a plain tuple), and p * n.
func (p *NamedTuple) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	other := y
	if o, ok := y.(*NamedTuple); ok {
		other = o.vals
	}
	switch op {
	case syntax.PLUS:
		t, ok := other.(starlark.Tuple)
		if !ok {
			return nil, nil
		}
		if side == starlark.Left {
			return starlark.Binary(op, p.vals, t)
		}
		return starlark.Binary(op, t, p.vals)
	case syntax.STAR:
		if _, ok := y.(starlark.Int); ok {
			return starlark.Binary(op, p.vals, y)
		}
	}
	return nil, nil
}

func ntCount(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv.(*NamedTuple)
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(p.typ.name+".count", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range p.vals {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		eq, err := starlark.Equal(v, x)
		if err != nil {
			return nil, err
		}
		if eq {
			n++
		}
	}
	return starlark.MakeInt(n), nil
}

func ntIndex(thread *starlark.Thread, recv starlark.Value, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv.(*NamedTuple)
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(p.typ.name+".index", args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	for i, v := range p.vals {
		if err := callstate.ChargeSteps(thread, 1); err != nil {
			return nil, err
		}
		eq, err := starlark.Equal(v, x)
		if err != nil {
			return nil, err
		}
		if eq {
			return starlark.MakeInt(i), nil
		}
	}
	return nil, fmt.Errorf("tuple.index(x): x not in tuple")
}

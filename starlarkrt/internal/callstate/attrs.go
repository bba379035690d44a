package callstate

import "go.starlark.net/starlark"

// BuiltinWithAttrs is a builtin function that also has attributes, like
// Python's itertools.chain.from_iterable or datetime.datetime.strptime.
type BuiltinWithAttrs struct {
	*starlark.Builtin
	Attrs starlark.StringDict
}

var _ starlark.HasAttrs = (*BuiltinWithAttrs)(nil)

// Attr returns the named attribute.
func (b *BuiltinWithAttrs) Attr(name string) (starlark.Value, error) {
	if v, ok := b.Attrs[name]; ok {
		return v, nil
	}
	return nil, nil
}

// AttrNames lists the attributes.
func (b *BuiltinWithAttrs) AttrNames() []string { return b.Attrs.Keys() }

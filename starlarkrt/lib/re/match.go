package re

// Match objects: re.Match, its groups and spans.

import (
	"fmt"

	"go.starlark.net/starlark"
)

// reMatch is Python's re.Match.
type reMatch struct {
	p   *rePattern
	s   string
	loc []int // byte offsets into s, -1 for groups that did not take part
	pos int
}

func (p *rePattern) newMatch(s string, loc []int, offset int) *reMatch {
	l := make([]int, len(loc))
	for i, x := range loc {
		if x >= 0 {
			x += offset
		}
		l[i] = x
	}
	return &reMatch{p: p, s: s, loc: l, pos: offset}
}

var (
	_ starlark.HasAttrs = (*reMatch)(nil)
	_ starlark.Mapping  = (*reMatch)(nil)
)

func (m *reMatch) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%s>", runeOffset(m.s, m.loc[0]), runeOffset(m.s, m.loc[1]), starlark.String(m.s[m.loc[0]:m.loc[1]]).String())
}
func (m *reMatch) Type() string          { return "re.Match" }
func (m *reMatch) Freeze()               {}
func (m *reMatch) Truth() starlark.Bool  { return true }
func (m *reMatch) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: re.Match") }

// group returns group g's text, or dflt if it did not take part.
func (m *reMatch) group(g int, dflt starlark.Value) starlark.Value {
	if m.loc[2*g] < 0 {
		return dflt
	}
	return starlark.String(m.s[m.loc[2*g]:m.loc[2*g+1]])
}

// groupIndex resolves a group number or name.
func (m *reMatch) groupIndex(v starlark.Value) (int, error) {
	switch v := v.(type) {
	case starlark.Int:
		g, ok := v.Int64()
		if !ok || g < 0 || int(g) > m.p.re.NumSubexp() {
			return 0, fmt.Errorf("re.Match: no such group %v (the pattern has %d groups)", v, m.p.re.NumSubexp())
		}
		return int(g), nil
	case starlark.String:
		g := m.p.re.SubexpIndex(string(v))
		if g < 0 {
			return 0, fmt.Errorf("re.Match: no such group %s", v)
		}
		return g, nil
	}
	return 0, fmt.Errorf("re.Match: group must be an int or a name, got %s", v.Type())
}

// Get is m[g], like m.group(g).
func (m *reMatch) Get(k starlark.Value) (starlark.Value, bool, error) {
	g, err := m.groupIndex(k)
	if err != nil {
		return nil, false, err
	}
	return m.group(g, starlark.None), true, nil
}

var matchMethods = []string{"end", "group", "groupdict", "groups", "span", "start"}

// Attr returns the match's methods and attributes.
func (m *reMatch) Attr(name string) (starlark.Value, error) {
	switch name {
	case "string":
		return starlark.String(m.s), nil
	case "re":
		return m.p, nil
	case "pos":
		return starlark.MakeInt(runeOffset(m.s, m.pos)), nil
	case "lastindex":
		last := -1
		for g := 1; g <= m.p.re.NumSubexp(); g++ {
			if m.loc[2*g] >= 0 && (last < 0 || m.loc[2*g+1] >= m.loc[2*last+1]) {
				last = g
			}
		}
		if last < 0 {
			return starlark.None, nil
		}
		return starlark.MakeInt(last), nil
	}
	fn := func(fn func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) starlark.Value {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(args, kwargs)
		})
	}
	switch name {
	case "group":
		return fn(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(kwargs) > 0 {
				return nil, fmt.Errorf("group: unexpected keyword arguments")
			}
			if len(args) == 0 {
				return m.group(0, starlark.None), nil
			}
			out := make(starlark.Tuple, len(args))
			for i, a := range args {
				g, err := m.groupIndex(a)
				if err != nil {
					return nil, err
				}
				out[i] = m.group(g, starlark.None)
			}
			if len(out) == 1 {
				return out[0], nil
			}
			return out, nil
		}), nil
	case "groups", "groupdict":
		return fn(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var dflt starlark.Value = starlark.None
			if err := starlark.UnpackArgs(name, args, kwargs, "default?", &dflt); err != nil {
				return nil, err
			}
			if name == "groups" {
				t := make(starlark.Tuple, m.p.re.NumSubexp())
				for i := range t {
					t[i] = m.group(i+1, dflt)
				}
				return t, nil
			}
			d := starlark.NewDict(0)
			for g, n := range m.p.re.SubexpNames() {
				if n != "" {
					_ = d.SetKey(starlark.String(n), m.group(g, dflt))
				}
			}
			return d, nil
		}), nil
	case "start", "end", "span":
		return fn(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var gv starlark.Value = starlark.MakeInt(0)
			if err := starlark.UnpackArgs(name, args, kwargs, "group?", &gv); err != nil {
				return nil, err
			}
			g, err := m.groupIndex(gv)
			if err != nil {
				return nil, err
			}
			st, en := starlark.MakeInt(runeOffset(m.s, m.loc[2*g])), starlark.MakeInt(runeOffset(m.s, m.loc[2*g+1]))
			switch name {
			case "start":
				return st, nil
			case "end":
				return en, nil
			}
			return starlark.Tuple{st, en}, nil
		}), nil
	}
	return nil, nil
}

// AttrNames lists the match's attributes.
func (m *reMatch) AttrNames() []string {
	return append([]string{"lastindex", "pos", "re", "string"}, matchMethods...)
}

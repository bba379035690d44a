package starlarkrt

// str.format with Python's replacement fields: indexes, attributes, items,
// conversions and format specs, where Starlark's own format refuses them.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"go.starlark.net/starlark"
)

// pyFormat is str.format with Python's format specifications, used when
// Starlark's own str.format rejects a specification.
func pyFormat(thread *starlark.Thread, format string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := callstate.ChargeSteps(thread, uint64(len(format))); err != nil {
		return nil, err
	}
	auto, manual := 0, false
	var b strings.Builder
	var field func(f string) (string, error)
	lookup := func(name string) (starlark.Value, error) {
		key, rest := name, ""
		if k := strings.IndexAny(name, ".["); k >= 0 {
			key, rest = name[:k], name[k:]
		}
		var v starlark.Value
		if key == "" {
			if manual {
				return nil, errors.New("format: cannot switch from manual field specification to automatic field numbering")
			}
			if auto >= len(args) {
				return nil, fmt.Errorf("format: replacement index %d out of range", auto)
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(key); err == nil {
			if auto > 0 {
				return nil, errors.New("format: cannot switch from automatic field numbering to manual field specification")
			}
			manual = true
			if n >= len(args) {
				return nil, fmt.Errorf("format: replacement index %d out of range", n)
			}
			v = args[n]
		} else {
			for _, kv := range kwargs {
				if string(kv[0].(starlark.String)) == key {
					v = kv[1]
				}
			}
			if v == nil {
				return nil, fmt.Errorf("format: keyword %s not found", key)
			}
		}
		for rest != "" {
			var err error
			if rest[0] == '.' {
				end := strings.IndexAny(rest[1:], ".[") + 1
				if end == 0 {
					end = len(rest)
				}
				if v, err = starlark.Call(thread, starlark.Universe["getattr"], starlark.Tuple{v, starlark.String(rest[1:end])}, nil); err != nil {
					return nil, fmt.Errorf("format: %w", err)
				}
				rest = rest[end:]
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("format: missing ']' in %q", name)
			}
			var k starlark.Value = starlark.String(rest[1:end])
			if n, err := strconv.Atoi(rest[1:end]); err == nil {
				k = starlark.MakeInt(n)
			}
			if m, ok := v.(starlark.Mapping); ok {
				var found bool
				if v, found, err = m.Get(k); err != nil || !found {
					return nil, fmt.Errorf("format: key %s not found", k)
				}
			} else if ix, ok := v.(starlark.Indexable); ok {
				var n int
				if err := starlark.AsInt(k, &n); err != nil || n < 0 || n >= ix.Len() {
					return nil, fmt.Errorf("format: bad index %s", k)
				}
				v = ix.Index(n)
			} else {
				return nil, fmt.Errorf("format: %s is not indexable", v.Type())
			}
			rest = rest[end+1:]
		}
		return v, nil
	}
	field = func(f string) (string, error) {
		name, specText, _ := strings.Cut(f, ":")
		conv := byte(0)
		if k := strings.IndexByte(name, '!'); k >= 0 {
			if k+2 != len(name) {
				return "", fmt.Errorf("format: bad conversion in {%s}", f)
			}
			conv, name = name[k+1], name[:k]
		}
		v, err := lookup(name)
		if err != nil {
			return "", err
		}
		// Nested fields in the fmtSpec, as in {:{width}}.
		var sb strings.Builder
		for i := 0; i < len(specText); i++ {
			if specText[i] != '{' {
				sb.WriteByte(specText[i])
				continue
			}
			j := strings.IndexByte(specText[i:], '}')
			if j < 0 {
				return "", fmt.Errorf("format: unmatched '{' in spec %q", specText)
			}
			nv, err := lookup(specText[i+1 : i+j])
			if err != nil {
				return "", err
			}
			if s, ok := nv.(starlark.String); ok {
				sb.WriteString(string(s))
			} else {
				sb.WriteString(nv.String())
			}
			i += j
		}
		sp, err := parseFmtSpec(sb.String())
		if err != nil {
			return "", fmt.Errorf("format: %w", err)
		}
		switch conv {
		case 'r', 'a':
			v = starlark.String(v.String())
		case 's':
			if _, ok := v.(starlark.String); !ok {
				v = starlark.String(v.String())
			}
		case 0:
		default:
			return "", fmt.Errorf("format: unknown conversion !%c", conv)
		}
		// Python refuses a spec for a value that has no format of its
		// own, and the s code for anything but a string: so do we,
		// rather than give an answer Python would not.
		if spec := sb.String(); spec != "" {
			switch v.(type) {
			case starlark.String, starlark.Int, starlark.Float, starlark.Bool:
			default:
				return "", fmt.Errorf("format: unsupported format spec %q for a value of type %s (format str(x) instead)", spec, v.Type())
			}
			if _, isString := v.(starlark.String); sp.verb == 's' && !isString {
				return "", fmt.Errorf("format: unknown format code 's' for a value of type %s (use {} or {!s})", v.Type())
			}
		}
		return formatWithSpec(v, sp, false)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '{' && i+1 < len(format) && format[i+1] == '{', c == '}' && i+1 < len(format) && format[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			depth, j := 1, i+1
			for ; j < len(format) && depth > 0; j++ {
				switch format[j] {
				case '{':
					depth++
				case '}':
					depth--
				}
			}
			if depth != 0 {
				return nil, errors.New("format: unmatched '{'")
			}
			s, err := field(format[i+1 : j-1])
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			i = j - 1
		case c == '}':
			return nil, errors.New("format: single '}' encountered in format string")
		default:
			b.WriteByte(c)
		}
	}
	return starlark.String(b.String()), nil
}

// Package json is the json module of latm's Starlark runtime: Python's
// json.dumps and json.loads (and go.starlark.net's encode, decode, indent).
package json

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/latm/latm/starlarkrt/internal/callstate"

	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// maxJSONDepth bounds nesting in dumps (and catches lists that contain
// themselves).
const maxJSONDepth = 1000

// jsonModule is go.starlark.net/lib/json (encode, decode, encode_indent,
// indent) plus Python's dumps and loads. dumps formats like Python's
// json.dumps (", " and ": " separators, ensure_ascii, indent, sort_keys,
// separators); it has no default= or cls=. loads is lib/json's decode: it
// rejects NaN and Infinity, which Python accepts.
var Module = newModule()

func newModule() *starlarkstruct.Module {
	m := starlark.StringDict{}
	for k, v := range starjson.Module.Members {
		m[k] = v
	}
	decode := starjson.Module.Members["decode"].(*starlark.Builtin)
	encode := starjson.Module.Members["encode"].(*starlark.Builtin)
	// go.starlark.net's decoder recurses once per nesting level and its
	// encoder visits shared values once per path, neither charging any
	// work: both are guarded here.
	m["decode"] = starlark.NewBuiltin("json.decode", func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 {
			if s, ok := starlark.AsString(args[0]); ok {
				if err := callstate.CheckNesting(thread, s); err != nil {
					return nil, err
				}
			}
		}
		return starlark.Call(thread, decode, args, kwargs)
	})
	guardEncode := func(name string, enc *starlark.Builtin) *starlark.Builtin {
		return starlark.NewBuiltin("json."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) > 0 {
				if err := callstate.CheckWalk(thread, args[0]); err != nil {
					return nil, err
				}
			}
			return starlark.Call(thread, enc, args, kwargs)
		})
	}
	m["encode"] = guardEncode("encode", encode)
	if ei, ok := starjson.Module.Members["encode_indent"].(*starlark.Builtin); ok {
		m["encode_indent"] = guardEncode("encode_indent", ei)
	}
	m["dumps"] = starlark.NewBuiltin("json.dumps", jsonDumps)
	m["loads"] = starlark.NewBuiltin("json.loads", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackPositionalArgs("loads", args, kwargs, 1, &s); err != nil {
			return nil, err
		}
		if err := callstate.CheckNesting(thread, s); err != nil {
			return nil, err
		}
		v, err := starlark.Call(thread, decode, starlark.Tuple{starlark.String(s)}, nil)
		if err != nil {
			return nil, fmt.Errorf("json.loads: %w", err)
		}
		return v, nil
	})
	return &starlarkstruct.Module{Name: "json", Members: m}
}

type jsonEncoder struct {
	thread      *starlark.Thread
	b           strings.Builder
	indent      string // "" with hasIndent: newlines without indentation
	hasIndent   bool
	item, key   string
	sortKeys    bool
	ensureASCII bool
}

func jsonDumps(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var obj starlark.Value
	var indent, separators starlark.Value = starlark.None, starlark.None
	sortKeys, ensureASCII := false, true
	if err := starlark.UnpackArgs("dumps", args, kwargs, "obj", &obj, "indent?", &indent, "sort_keys?", &sortKeys, "separators?", &separators, "ensure_ascii?", &ensureASCII); err != nil {
		return nil, err
	}
	e := &jsonEncoder{thread: thread, item: ", ", key: ": ", sortKeys: sortKeys, ensureASCII: ensureASCII}
	switch ind := indent.(type) {
	case starlark.NoneType:
	case starlark.Int:
		n, ok := ind.Int64()
		if !ok || n > 100 {
			return nil, fmt.Errorf("json.dumps: indent=%v is too large", ind)
		}
		e.indent, e.hasIndent, e.item = strings.Repeat(" ", int(max(n, 0))), true, ","
	case starlark.String:
		e.indent, e.hasIndent, e.item = string(ind), true, ","
	default:
		return nil, fmt.Errorf("json.dumps: indent must be None, an int or a string, got %s", indent.Type())
	}
	if separators != starlark.None {
		t, ok := separators.(starlark.Tuple)
		if !ok || len(t) != 2 {
			return nil, fmt.Errorf("json.dumps: separators must be a tuple (item_separator, key_separator), got %s", separators)
		}
		item, ok1 := starlark.AsString(t[0])
		key, ok2 := starlark.AsString(t[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("json.dumps: separators must be two strings, got %s", separators)
		}
		e.item, e.key = item, key
	}
	if err := e.value(obj, 0); err != nil {
		return nil, fmt.Errorf("json.dumps: %w", err)
	}
	return starlark.String(e.b.String()), nil
}

func (e *jsonEncoder) newline(depth int) {
	if e.hasIndent {
		e.b.WriteByte('\n')
		for range depth {
			e.b.WriteString(e.indent)
		}
	}
}

func (e *jsonEncoder) value(v starlark.Value, depth int) error {
	if depth > maxJSONDepth {
		return callstate.DepthError()
	}
	if err := callstate.ChargeSteps(e.thread, 1); err != nil {
		return err
	}
	switch v := v.(type) {
	case starlark.NoneType:
		e.b.WriteString("null")
	case starlark.Bool:
		if v {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case starlark.Int:
		e.b.WriteString(v.String())
	case starlark.Float:
		e.b.WriteString(jsonFloat(float64(v)))
	case starlark.String:
		if err := callstate.ChargeBytes(e.thread, len(v)); err != nil {
			return err
		}
		e.str(string(v))
	case *starlark.List, starlark.Tuple:
		seq := v.(starlark.Indexable)
		if seq.Len() == 0 {
			e.b.WriteString("[]")
			return nil
		}
		e.b.WriteByte('[')
		for i := range seq.Len() {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(depth + 1)
			if err := e.value(seq.Index(i), depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.b.WriteByte(']')
	case *starlark.Dict:
		items := v.Items()
		if len(items) == 0 {
			e.b.WriteString("{}")
			return nil
		}
		type kv struct {
			k string
			v starlark.Value
		}
		pairs := make([]kv, len(items))
		for i, it := range items {
			k, err := jsonKey(it[0])
			if err != nil {
				return err
			}
			pairs[i] = kv{k, it[1]}
		}
		if e.sortKeys {
			sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
		}
		e.b.WriteByte('{')
		for i, p := range pairs {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(depth + 1)
			e.str(p.k)
			e.b.WriteString(e.key)
			if err := e.value(p.v, depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.b.WriteByte('}')
	default:
		return fmt.Errorf("object of type %s is not JSON serializable (convert it to a dict, list, string or number first)", v.Type())
	}
	return nil
}

// jsonKey converts a dict key as Python does: str as is; int, float, bool
// and None to their JSON text.
func jsonKey(k starlark.Value) (string, error) {
	switch k := k.(type) {
	case starlark.String:
		return string(k), nil
	case starlark.Int:
		return k.String(), nil
	case starlark.Float:
		return jsonFloat(float64(k)), nil
	case starlark.Bool:
		if k {
			return "true", nil
		}
		return "false", nil
	case starlark.NoneType:
		return "null", nil
	}
	return "", fmt.Errorf("keys must be str, int, float, bool or None, not %s", k.Type())
}

// jsonFloat is Python's float repr, with NaN and Infinity as json.dumps
// writes them.
func jsonFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return starlark.Float(f).String()
}

func (e *jsonEncoder) str(s string) {
	b := &e.b
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (e.ensureASCII && r >= 0x80):
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				b.WriteString(`\u` + fmt.Sprintf("%04x", r))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

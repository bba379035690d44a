package starlarkrt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"

	"go.starlark.net/starlark"
)

// maxNesting bounds how deeply nested a converted value may be, so that a
// self-containing list cannot recurse forever.
const maxNesting = 1000

// ToStarlark converts a JSON-like Go value to Starlark: nil → None, bool,
// integers (any Go integer type, *big.Int, json.Number without a fraction)
// → int, float32/float64 and fractional json.Number → float, string,
// []any (and []string, []int, []float64) → list, map[string]any → dict
// with keys in sorted order. Anything else is an error naming its type.
func ToStarlark(v any) (starlark.Value, error) { return toStarlark(v, 0) }

func toStarlark(v any, depth int) (starlark.Value, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxNesting)
	}
	switch x := v.(type) {
	case nil:
		return starlark.None, nil
	case starlark.Value:
		return x, nil
	case bool:
		return starlark.Bool(x), nil
	case int:
		return starlark.MakeInt(x), nil
	case int8:
		return starlark.MakeInt64(int64(x)), nil
	case int16:
		return starlark.MakeInt64(int64(x)), nil
	case int32:
		return starlark.MakeInt64(int64(x)), nil
	case int64:
		return starlark.MakeInt64(x), nil
	case uint:
		return starlark.MakeUint64(uint64(x)), nil
	case uint8:
		return starlark.MakeUint64(uint64(x)), nil
	case uint16:
		return starlark.MakeUint64(uint64(x)), nil
	case uint32:
		return starlark.MakeUint64(uint64(x)), nil
	case uint64:
		return starlark.MakeUint64(x), nil
	case *big.Int:
		return starlark.MakeBigInt(x), nil
	case float32:
		return starlark.Float(x), nil
	case float64:
		return starlark.Float(x), nil
	case json.Number:
		if i, ok := new(big.Int).SetString(string(x), 10); ok {
			return starlark.MakeBigInt(i), nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return starlark.Float(f), nil
	case string:
		return starlark.String(x), nil
	case []string:
		l := make([]starlark.Value, len(x))
		for i, s := range x {
			l[i] = starlark.String(s)
		}
		return starlark.NewList(l), nil
	case []int:
		l := make([]starlark.Value, len(x))
		for i, n := range x {
			l[i] = starlark.MakeInt(n)
		}
		return starlark.NewList(l), nil
	case []float64:
		l := make([]starlark.Value, len(x))
		for i, f := range x {
			l[i] = starlark.Float(f)
		}
		return starlark.NewList(l), nil
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			sv, err := toStarlark(e, depth+1)
			if err != nil {
				return nil, err
			}
			l[i] = sv
		}
		return starlark.NewList(l), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(x))
		for _, k := range keys {
			sv, err := toStarlark(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), sv); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("cannot convert Go %T to a Starlark value (want null, bool, number, string, list or object)", v)
}

// FromStarlark converts a Starlark value to a JSON-like Go value: None →
// nil, bool, int → int64 (or *big.Int beyond 64 bits), float → float64,
// string, list and tuple → []any, set → []any in insertion order, dict →
// map[string]any (keys that are not strings are written as their str(),
// so {1: "a"} becomes {"1": "a"}, as JSON would). Functions, modules and
// other values are an error naming their type.
func FromStarlark(v starlark.Value) (any, error) {
	c := converter{left: math.MaxInt}
	return c.from(v, 0)
}

// errTooLarge is the error of a conversion that passed its element budget.
var errTooLarge = errors.New("value too large")

// fromStarlarkMax is FromStarlark for a value whose JSON form may have at
// most max bytes: each element takes at least one, so a value with more
// elements (a list shared 2^40 ways, say, which converts to 2^40 copies)
// fails with errTooLarge before it is expanded. Nesting past maxNesting is
// a depth *LimitError.
func fromStarlarkMax(v starlark.Value, max int) (any, error) {
	c := converter{left: max}
	return c.from(v, 0)
}

// converter carries the element budget of one conversion.
type converter struct{ left int }

func (c *converter) from(v starlark.Value, depth int) (any, error) {
	if depth > maxNesting {
		return nil, &LimitError{Limit: "depth", Max: strconv.Itoa(maxNesting) + " levels; a value nested deeper is often a list that contains itself"}
	}
	if c.left--; c.left < 0 {
		return nil, errTooLarge
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(x), nil
	case starlark.Int:
		if i, ok := x.Int64(); ok {
			return i, nil
		}
		return x.BigInt(), nil
	case starlark.Float:
		return float64(x), nil
	case starlark.String:
		return string(x), nil
	case starlark.Bytes:
		return string(x), nil
	case *starlark.List:
		return c.fromIterable(x, x.Len(), depth)
	case starlark.Tuple:
		return c.fromIterable(x, x.Len(), depth)
	case *starlark.Set:
		return c.fromIterable(x, x.Len(), depth)
	case *starlark.Dict:
		out := make(map[string]any, x.Len())
		for _, item := range x.Items() {
			var key string
			if s, ok := item[0].(starlark.String); ok {
				key = string(s)
			} else {
				// A key is printed; count what printing it visits.
				if _, err := c.from(item[0], depth+1); err != nil && !errors.Is(err, errNoJSON) {
					return nil, err
				}
				key = item[0].String()
			}
			val, err := c.from(item[1], depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = val
		}
		return out, nil
	}
	if j, ok := v.(interface{ JSONValue() starlark.Value }); ok {
		// A module's container (collections.Counter, deque, …) converts as
		// the plain dict, list or tuple it stands for.
		return c.from(j.JSONValue(), depth+1)
	}
	return nil, fmt.Errorf("a %s has no JSON form (return lists, dicts, strings, numbers, booleans or None): %w", v.Type(), errNoJSON)
}

// errNoJSON marks the error for a value that has no JSON form.
var errNoJSON = errors.New("no JSON form")

func (c *converter) fromIterable(it starlark.Iterable, n int, depth int) (any, error) {
	out := make([]any, 0, n)
	iter := it.Iterate()
	defer iter.Done()
	var e starlark.Value
	for iter.Next(&e) {
		g, err := c.from(e, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

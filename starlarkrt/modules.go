package starlarkrt

import (
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/lib/datetime"
	"github.com/latm/latm/starlarkrt/lib/itertools"
	"github.com/latm/latm/starlarkrt/lib/json"
	"github.com/latm/latm/starlarkrt/lib/math"
	"github.com/latm/latm/starlarkrt/lib/re"
)

// modules returns the deterministic modules programs may import, by name:
// math, json, re, itertools and datetime. They follow Python's semantics
// where feasible (each package says where they differ), never read the
// clock, randomness, files or the environment, and charge the work they do
// inside Go against the call's limits through callstate.
func modules() map[string]*starlarkstruct.Module {
	return map[string]*starlarkstruct.Module{
		"math":      math.Module,
		"json":      json.Module,
		"re":        re.Module,
		"itertools": itertools.Module,
		"datetime":  datetime.Module,
	}
}

package starlarkrt

import (
	"go.starlark.net/starlarkstruct"

	"github.com/latm/latm/starlarkrt/lib/bisect"
	"github.com/latm/latm/starlarkrt/lib/collections"
	pycopy "github.com/latm/latm/starlarkrt/lib/copy"
	"github.com/latm/latm/starlarkrt/lib/datetime"
	"github.com/latm/latm/starlarkrt/lib/functools"
	"github.com/latm/latm/starlarkrt/lib/heapq"
	"github.com/latm/latm/starlarkrt/lib/itertools"
	"github.com/latm/latm/starlarkrt/lib/json"
	"github.com/latm/latm/starlarkrt/lib/math"
	"github.com/latm/latm/starlarkrt/lib/operator"
	"github.com/latm/latm/starlarkrt/lib/re"
	"github.com/latm/latm/starlarkrt/lib/statistics"
	pystring "github.com/latm/latm/starlarkrt/lib/string"
)

// modules returns the deterministic modules programs may import, by name:
// math, json, re, itertools, datetime, collections, string, functools,
// heapq, bisect, operator, statistics and copy. They follow Python's semantics
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

		"collections": collections.Module,
		"string":      pystring.Module,
		"functools":   functools.Module,
		"heapq":       heapq.Module,
		"bisect":      bisect.Module,
		"operator":    operator.Module,
		"statistics":  statistics.Module,
		"copy":        pycopy.Module,
	}
}

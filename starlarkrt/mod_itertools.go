package starlarkrt

import "go.starlark.net/starlarkstruct"

func itertoolsModule() *starlarkstruct.Module { return &starlarkstruct.Module{Name: "itertools"} }

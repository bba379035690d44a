package starlarkrt

import "go.starlark.net/starlarkstruct"

func jsonModule() *starlarkstruct.Module { return &starlarkstruct.Module{Name: "json"} }

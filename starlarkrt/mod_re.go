package starlarkrt

import "go.starlark.net/starlarkstruct"

func reModule() *starlarkstruct.Module { return &starlarkstruct.Module{Name: "re"} }

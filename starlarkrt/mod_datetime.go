package starlarkrt

import "go.starlark.net/starlarkstruct"

func datetimeModule() *starlarkstruct.Module { return &starlarkstruct.Module{Name: "datetime"} }

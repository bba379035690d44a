package starlarkrt

import "github.com/latm/latm/starlarkrt/internal/callstate"

// LimitError reports that a program exceeded one of its Limits. It is
// defined in callstate, where the module packages that return it can reach
// it.
type LimitError = callstate.LimitError

// formatSize renders a byte count the way the config spells it: 256MB.
func formatSize(n int64) string { return callstate.FormatSize(n) }

//go:build !unix

package starlarkrt

// limitMemory is a no-op where the OS offers no data-segment limit; the
// sampling guard alone bounds memory there.
func limitMemory(n int64) error { return nil }

//go:build !unix

package starlarkrt

import "errors"

// limitMemory is a no-op where the OS offers no data-segment limit; the
// sampling guard alone bounds memory there.
func limitMemory(n int64) error { return nil }

// dataBytes is unknown where there is no data-segment limit.
func dataBytes() (int64, error) { return 0, errors.New("data segment size unknown") }

func dataBytesOf(string) (int64, error) { return 0, errors.New("data segment size unknown") }

//go:build unix

package starlarkrt

import (
	"fmt"
	"syscall"
)

// limitMemory caps the process's data segment (its heap, as the Go runtime
// commits it) at n bytes. Address space that is only reserved does not
// count, so the cap is close to the memory the process can really use.
func limitMemory(n int64) error {
	lim := &syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, lim); err != nil {
		return fmt.Errorf("set RLIMIT_DATA to %d: %w", n, err)
	}
	return nil
}

package starlarkrt

import (
	"errors"
	"runtime/debug"
)

// ConfineProcess puts the calling process under the OS memory limit a
// sandbox worker runs under: the data it uses now, measured, plus budget
// (bytes) and the worker's headroom. It is for a process that runs one
// program and exits (latm run): with the limit on itself, it can run the
// program InProcess and keep the guarantee Subprocess isolation gives,
// without starting a second process. In process the allocations the
// interpreter makes in one step are refused before they are made and
// gradual growth stops at the sampled heap guard, both as memory limit
// errors; the OS limit is the backstop behind them, as it is for a worker.
//
// It fails, changing nothing, where the OS has no such limit or the
// process cannot measure what it uses; the caller should then use
// Subprocess isolation. The limit holds for the rest of the process's
// life.
func ConfineProcess(budget int64) error {
	if budget <= 0 {
		budget = DefaultMaxMemory
	}
	base, err := dataBytes()
	if err != nil {
		return err
	}
	if raceEnabled {
		// The race detector's shadow memory counts in the data segment.
		return errors.New("confine: not under the race detector")
	}
	limit := base + budget + workerHeadroom
	if err := limitMemory(limit); err != nil {
		return err
	}
	debug.SetMemoryLimit(limit)
	debug.SetMaxStack(256 << 20)
	return nil
}

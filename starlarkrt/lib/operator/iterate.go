package operator

import (
	"go.starlark.net/starlark"

	"github.com/latm/latm/starlarkrt/internal/callstate"
)

// iterate calls fn with each element's position and value until it
// returns false, charging one step per element.
func iterate(thread *starlark.Thread, fname string, seq starlark.Value, fn func(int, starlark.Value) (bool, error)) error {
	i := 0
	stop := errStop{}
	err := callstate.Iterate(thread, fname, seq, func(v starlark.Value) error {
		more, err := fn(i, v)
		i++
		if err != nil {
			return err
		}
		if !more {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	return err
}

type errStop struct{}

func (errStop) Error() string { return "stop" }
